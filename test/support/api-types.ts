import type { components } from '../../openapi/schema.js';

type Schemas = components['schemas'];

// The shapes the API sends, taken from the generated contract where it has them, so that a test reads
// only fields the API documents and tsc notices when a response changes shape.
export type Task = Schemas['TaskDto'];
export type TaskPage = Schemas['TaskPageDto'];
export type TaskSummary = Schemas['TaskSummaryDto'];
export type CompleteAllResult = Schemas['CompleteAllResultDto'];
export type User = Schemas['UserDto'];
export type Category = Schemas['CategoryDto'];
export type CategoryList = Schemas['CategoryListDto'];
export type SyncPage = Schemas['SyncPageDto'];
export type List = Schemas['ListDto'];
export type ListList = Schemas['ListListDto'];
export type Member = Schemas['MemberDto'];
export type MemberList = Schemas['MemberListDto'];
export type Invitation = Schemas['InvitationDto'];
export type InvitationList = Schemas['InvitationListDto'];

/** A session from sign-up or sign-in: its user signed up with an email, so it has one. */
export type Session = Schemas['SessionDto'] & { user: User & { email: string } };

/** The body of a `reminder` event on GET /api/events: the contract describes it in prose only. */
export interface Reminder {
  task_id: number;
  title: string;
  remind_at: string;
}

// The service's own problem+json type: the contract describes it in prose only.
export type { Problem } from '../../src/common/problem.js';
