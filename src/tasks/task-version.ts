import { TaskDto } from './dto/task.dto.js';

/** Lets the response layer derive an ETag without the version appearing in the JSON body. */
export const TASK_VERSION = Symbol('taskVersion');
export type VersionedTask = TaskDto & { [TASK_VERSION]: number };
