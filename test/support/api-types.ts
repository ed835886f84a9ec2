import type { components } from '../../openapi/schema.js';

// The shapes the API sends, taken from the generated contract where it has them, so that a test reads
// only fields the API documents and tsc notices when a response changes shape.
export type Task = components['schemas']['TaskDto'];
export type TaskPage = components['schemas']['TaskPageDto'];
export type User = components['schemas']['UserDto'];
export type Category = components['schemas']['CategoryDto'];
export type SyncPage = components['schemas']['SyncPageDto'];

// The service's own problem+json type: the contract describes it in prose only.
export type { Problem } from '../../src/common/problem.js';
