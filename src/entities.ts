import { AuthSession } from './auth/entities/auth-session.entity.js';
import { RefreshToken } from './auth/entities/refresh-token.entity.js';
import { User } from './auth/entities/user.entity.js';
import { Category } from './categories/category.entity.js';
import { TaskCategory } from './categories/task-category.entity.js';
import { ListInvitation } from './lists/list-invitation.entity.js';
import { ListMember } from './lists/list-member.entity.js';
import { List } from './lists/list.entity.js';
import { MemberChange } from './sync/entities/member-change.entity.js';
import { SyncClientObject } from './sync/entities/sync-client-object.entity.js';
import { SyncClient } from './sync/entities/sync-client.entity.js';
import { SyncTombstone } from './sync/entities/sync-tombstone.entity.js';
import { UserChange } from './sync/entities/user-change.entity.js';
import { Task } from './tasks/task.entity.js';

/**
 * Every entity, for what runs without Nest: the migration CLI (src/database/cli-data-source.ts)
 * and the schema test. The app itself gets them from the feature modules, each of which registers
 * its own (`TypeOrmModule.forFeature`), through `autoLoadEntities`; test/schema.e2e-spec.ts checks
 * that the two agree. A new entity goes in its module's forFeature and here.
 */
export const ENTITIES = [
  User,
  AuthSession,
  RefreshToken,
  Task,
  Category,
  TaskCategory,
  UserChange,
  SyncTombstone,
  List,
  ListMember,
  ListInvitation,
  MemberChange,
  SyncClient,
  SyncClientObject,
];
