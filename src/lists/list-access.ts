import { ForbiddenException, NotFoundException } from '@nestjs/common';

/**
 * Who may do what in a list: the one home of the access rule. A user's role in a list is their row
 * in `list_members` (the owner has one too); no row, no access, and such a list and its tasks look
 * exactly like nothing (404). Every task statement is scoped in SQL by the fragments below, never
 * checked after the fact; services ask `requireRole` for a list named in a request.
 *
 * A task's `user_id` is its list's owner, so "the caller owns the list" is the task's own column: a
 * single user's statements stay on the `(user_id, ...)` indexes, and members' reads add one probe of
 * `list_members`.
 */
export const ROLES = ['owner', 'editor', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** The roles a member can be given: a list has exactly one owner, its creator. */
export const INVITED_ROLES = ['editor', 'viewer'] as const;

/** What an action needs: reading, writing tasks and the list's name, or owning the list. */
export type Access = 'read' | 'write' | 'own';

const ALLOWED: Record<Access, readonly Role[]> = {
  read: ROLES,
  write: ['owner', 'editor'],
  own: ['owner'],
};

export function allows(role: Role | null | undefined, access: Access): role is Role {
  return !!role && ALLOWED[access].includes(role);
}

/** The SQL list of roles an access needs, for `role IN (...)`. */
const rolesSql = (access: Access) => ALLOWED[access].map((role) => `'${role}'`).join(', ');

/** The lists (ids) `user` reads as a member but does not own. */
export const sharedListIds = (user: string, access: Access = 'read') => {
  const roles = ALLOWED[access].filter((role) => role !== 'owner');
  const which = roles.length === 2 ? "role <> 'owner'" : roles.length ? `role = '${roles[0]}'` : 'false';
  return `SELECT list_id FROM list_members WHERE user_id = ${user} AND ${which}`;
};

/** Whether `user` may `access` the task row `tasks` (unaliased): they own its list, or have a role in it. */
export const taskAccessible = (user: string, access: Access = 'read', row = 'tasks') =>
  `(${row}.user_id = ${user} OR ${row}.list_id IN (${sharedListIds(user, access)}))`;

/** The memberships of `user` whose role allows `access` (`list_id`, `role`, `position`, `joined_at`), as SQL. */
export const memberships = (user: string, access: Access = 'read') =>
  `SELECT list_id, role, position, joined_at FROM list_members WHERE user_id = ${user} AND role IN (${rolesSql(access)})`;

/** The caller's role in list `list` (an SQL expression), as SQL (null: not a member). */
export const listRole = (user: string, list: string) =>
  `(SELECT role FROM list_members WHERE list_id = ${list} AND user_id = ${user})`;

/**
 * The tasks `user` may read that meet `where` (a condition on `tasks`), as two disjoint conditions:
 * the lists they own, and those shared with them. Apart, each branch reads its own index in order,
 * so PostgreSQL can merge the two for a sorted page (one `OR` would read every matching row first).
 */
export const readableBranches = (user: string, where: string): [owned: string, shared: string] => [
  `tasks.user_id = ${user} AND ${where}`,
  `tasks.list_id IN (${sharedListIds(user)}) AND ${where}`,
];

/** The same as one row source named `tasks`, for statements that read every matching task. */
export const readableTasks = (user: string, where: string) => {
  const [owned, shared] = readableBranches(user, where);
  return `(SELECT tasks.* FROM tasks WHERE ${owned}
    UNION ALL
    SELECT tasks.* FROM tasks WHERE ${shared}) AS tasks`;
};

/**
 * What a role may not do, as the 403's sentence: it names the role needed. `what` is the action as
 * a gerund phrase ("deleting a list").
 */
export function forbidden(access: Exclude<Access, 'read'>, what = 'this'): ForbiddenException {
  const action = what.charAt(0).toUpperCase() + what.slice(1);
  return new ForbiddenException(
    access === 'own'
      ? `${action} needs the owner role in this list`
      : `${action} needs the editor or owner role in this list; viewers may only read it`,
  );
}

export const listNotFound = () => new NotFoundException('List not found');

/**
 * The caller's role when it allows `access`; 404 when they are not a member (a list they cannot
 * see does not exist for them), 403 naming the role needed when it does not allow it.
 */
export function requireRole(role: Role | null | undefined, access: Access, what?: string): Role {
  if (!role) throw listNotFound();
  if (!allows(role, access)) throw forbidden(access as Exclude<Access, 'read'>, what);
  return role;
}

/** A row read for a list named in a request, with the caller's role in it (null: not a member). */
export interface WithRole {
  role: Role | null;
}

/**
 * The row when the caller's role in its list allows `access`: as requireRole, for a row that may be
 * missing (no such list) or carry no role (not a member), both 404.
 */
export function requireAccess<T extends WithRole>(
  row: T | null | undefined,
  access: Access,
  what?: string,
): T & { role: Role } {
  requireRole(row?.role, access, what);
  return row as T & { role: Role };
}
