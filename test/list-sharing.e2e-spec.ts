import { jest } from '@jest/globals';
import { AfterCommit } from '../src/database/user-writes.js';
import type { Invitation, InvitationList, List, ListList, Member, MemberList, Problem } from './support/api-types.js';
import { type Session, type TestResponse, useTestApp, useUsers } from './support/test-app.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

describe('sharing lists', () => {
  const t = useTestApp();
  const [owner, editor, viewer, stranger, removed, extra] = useUsers(t, 6);

  const request = (session: Session, method: Method, url: string, body?: unknown): Promise<TestResponse> =>
    t.request({ method, url, token: session.token, body });
  const ok = async <T>(session: Session, method: Method, url: string, body: unknown, status: number): Promise<T> => {
    const res = await request(session, method, url, body);
    if (res.statusCode !== status) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return (res.body ? res.json<T>() : undefined) as T;
  };
  const createList = (session: Session, name = 'Shared') => ok<List>(session, 'POST', '/api/lists', { name }, 201);
  const invite = (session: Session, listId: number, role = 'editor') =>
    ok<Invitation>(session, 'POST', `/api/lists/${listId}/invitations`, { role }, 201);
  const accept = (session: Session, code: string) =>
    ok<List>(session, 'POST', `/api/invitations/${code}/accept`, undefined, 200);
  const join = async (listId: number, session: Session, role = 'editor') =>
    accept(session, (await invite(owner, listId, role)).code);
  const openCodes = async (listId: number) =>
    (await ok<InvitationList>(owner, 'GET', `/api/lists/${listId}/invitations`, undefined, 200)).items.map(
      (i) => i.code,
    );
  /** Everything stored about a list, to check that a refused request changed nothing. */
  const stored = async (listId: number) => ({
    list: (await t.sql.query('SELECT * FROM lists WHERE id = $1', [listId])).rows,
    members: (await t.sql.query('SELECT * FROM list_members WHERE list_id = $1 ORDER BY user_id', [listId])).rows,
    invitations: (await t.sql.query('SELECT * FROM list_invitations WHERE list_id = $1 ORDER BY code', [listId])).rows,
    tasks: (await t.sql.query('SELECT * FROM tasks WHERE list_id = $1 ORDER BY id', [listId])).rows,
  });
  const insertTask = async (listId: number, createdBy: Session, assignee: Session | null, position: string) => {
    const { rows } = await t.sql.query<{ id: number }>(
      `INSERT INTO tasks (user_id, list_id, created_by, assignee_id, title, position)
       VALUES ((SELECT owner_id FROM lists WHERE id = $1), $1, $2, $3, 'task', $4) RETURNING id`,
      [listId, createdBy.user.id, assignee?.user.id ?? null, position],
    );
    return rows[0].id;
  };
  /** Users made directly in the database (the inbox trigger gives each an inbox), for the limits. */
  const insertMembers = async (listId: number, count: number) => {
    await t.sql.query(
      `WITH made AS (INSERT INTO users (id, name) SELECT 'filler-' || $1::int || '-' || g, 'Filler' FROM generate_series(1, $2) g RETURNING id)
       INSERT INTO list_members (list_id, user_id, role, position) SELECT $1::int, id, 'viewer', 'a1' FROM made`,
      [listId, count],
    );
  };

  describe('invitations', () => {
    it('makes an unguessable code for 7 days: 201 with Location, listed while open, for the owner', async () => {
      const list = await createList(owner);
      const before = Date.now();
      const res = await request(owner, 'POST', `/api/lists/${list.id}/invitations`, { role: 'viewer' });
      expect(res.statusCode).toBe(201);
      const invitation = res.json<Invitation>();
      expect(invitation).toEqual({ code: invitation.code, role: 'viewer', expires_at: invitation.expires_at });
      // At least 128 bits of base64url.
      expect(invitation.code).toMatch(/^[A-Za-z0-9_-]{22,}$/);
      const week = 7 * 24 * 3600 * 1000;
      expect(Date.parse(invitation.expires_at)).toBeGreaterThanOrEqual(before + week - 5000);
      expect(Date.parse(invitation.expires_at)).toBeLessThanOrEqual(Date.now() + week + 5000);
      expect(res.headers.location).toBe(`/api/lists/${list.id}/invitations/${invitation.code}`);

      const scoped = await request(owner, 'POST', `/api/${owner.user.id}/lists/${list.id}/invitations`, {
        role: 'editor',
      });
      expect(scoped.headers.location).toBe(
        `/api/${owner.user.id}/lists/${list.id}/invitations/${scoped.json<Invitation>().code}`,
      );
      expect(scoped.json<Invitation>().code).not.toBe(invitation.code);

      const listed = await request(owner, 'GET', `/api/lists/${list.id}/invitations`);
      expect(listed.statusCode).toBe(200);
      expect(listed.json<InvitationList>().items).toEqual([invitation, scoped.json<Invitation>()]);
    });

    it.each([
      ['no body', undefined],
      ['no role', {}],
      ['the owner role', { role: 'owner' }],
      ['an unknown role', { role: 'admin' }],
      ['a null role', { role: null }],
    ])('refuses %s with 422 on role, storing nothing', async (_case, body) => {
      const list = await createList(owner);
      const res = await request(owner, 'POST', `/api/lists/${list.id}/invitations`, body);
      expect(res.statusCode).toBe(422);
      expect(res.json<Problem>().errors).toEqual([expect.objectContaining({ field: 'role' })]);
      expect((await stored(list.id)).invitations).toEqual([]);
    });

    it('joins whoever accepts with the code’s role, at the end of their order, and uses the code up', async () => {
      const list = await createList(owner, 'Team');
      const { code } = await invite(owner, list.id, 'viewer');
      const joiner = await t.signUp();
      const mine = await createList(joiner, 'Mine');
      const res = await request(joiner, 'POST', `/api/${joiner.user.id}/invitations/${code}/accept`);
      expect(res.statusCode).toBe(200);
      expect(res.headers.etag).toBe(`"${list.id}-1"`);
      const joined = res.json<List>();
      expect(joined).toMatchObject({
        id: list.id,
        name: 'Team',
        owner_id: owner.user.id,
        role: 'viewer',
        member_count: 2,
      });
      expect(joined.position > mine.position).toBe(true);
      expect((await ok<ListList>(joiner, 'GET', '/api/lists', undefined, 200)).items.map((x) => x.id)).toEqual([
        expect.any(Number),
        mine.id,
        list.id,
      ]);
      // The owner's own view: their position, two members.
      expect(await ok<List>(owner, 'GET', `/api/lists/${list.id}`, undefined, 200)).toMatchObject({
        role: 'owner',
        position: list.position,
        member_count: 2,
      });
      expect(await openCodes(list.id)).toEqual([]);
      const again = await request(await t.signUp(), 'POST', `/api/invitations/${code}/accept`);
      expect([again.statusCode, again.json<Problem>().detail]).toEqual([404, 'Invitation not found']);
    });

    it('answers an expired, revoked or unknown code with 404, whoever asks, and joins no one', async () => {
      const list = await createList(owner);
      const expired = await invite(owner, list.id);
      await t.sql.query("UPDATE list_invitations SET expires_at = now() - interval '1 second' WHERE code = $1", [
        expired.code,
      ]);
      const revoked = await invite(owner, list.id);
      const revoke = await request(owner, 'DELETE', `/api/lists/${list.id}/invitations/${revoked.code}`);
      expect(revoke.statusCode).toBe(204);
      expect(await openCodes(list.id)).toEqual([]);
      const before = await stored(list.id);
      for (const code of [expired.code, revoked.code, 'no-such-code', 'x'.repeat(90)]) {
        for (const who of [stranger, owner]) {
          const res = await request(who, 'POST', `/api/invitations/${encodeURIComponent(code)}/accept`);
          expect([res.statusCode, res.json<Problem>().detail]).toEqual([404, 'Invitation not found']);
        }
      }
      expect(await stored(list.id)).toEqual(before);
      // Revoking twice, or an expired code, or another list's: 404.
      const other = await createList(owner);
      const othersCode = await invite(owner, other.id);
      for (const code of [revoked.code, expired.code, othersCode.code]) {
        expect((await request(owner, 'DELETE', `/api/lists/${list.id}/invitations/${code}`)).statusCode).toBe(404);
      }
      expect(await openCodes(other.id)).toEqual([othersCode.code]);
    });

    it('answers 409 to one already in the list, the owner included, and leaves the code open', async () => {
      const list = await createList(owner);
      await join(list.id, editor);
      const { code } = await invite(owner, list.id);
      for (const who of [owner, editor]) {
        const res = await request(who, 'POST', `/api/invitations/${code}/accept`);
        expect(res.statusCode).toBe(409);
        expect(res.json<Problem>().detail).toBe('You are already a member of this list');
      }
      expect(await openCodes(list.id)).toEqual([code]);
      expect(await accept(stranger, code)).toMatchObject({ role: 'editor', member_count: 3 });
    });

    it('lets only one of two concurrent accepts of a code in', async () => {
      const list = await createList(owner);
      const { code } = await invite(owner, list.id);
      const [first, second] = await Promise.all([
        t.signUp().then((user) => request(user, 'POST', `/api/invitations/${code}/accept`)),
        t.signUp().then((user) => request(user, 'POST', `/api/invitations/${code}/accept`)),
      ]);
      expect([first.statusCode, second.statusCode].sort()).toEqual([200, 404]);
      expect((await stored(list.id)).members).toHaveLength(2);
    });

    it('refuses to share an inbox: 422', async () => {
      const [inbox] = (await ok<ListList>(owner, 'GET', '/api/lists', undefined, 200)).items;
      const res = await request(owner, 'POST', `/api/lists/${inbox.id}/invitations`, { role: 'editor' });
      expect([res.statusCode, res.json<Problem>().detail]).toEqual([422, 'Your inbox cannot be shared']);
      expect((await stored(inbox.id)).invitations).toEqual([]);
    });

    it('allows 20 open invitations per list: one more is 422; expired ones make room', async () => {
      const list = await createList(owner);
      const codes = [];
      for (let i = 0; i < 20; i++) codes.push((await invite(owner, list.id)).code);
      const res = await request(owner, 'POST', `/api/lists/${list.id}/invitations`, { role: 'viewer' });
      expect(res.statusCode).toBe(422);
      expect(res.json<Problem>().detail).toMatch(/20 open invitations/);
      expect(await openCodes(list.id)).toHaveLength(20);
      await t.sql.query("UPDATE list_invitations SET expires_at = now() - interval '1 second' WHERE code = $1", [
        codes[0],
      ]);
      expect((await request(owner, 'POST', `/api/lists/${list.id}/invitations`, { role: 'viewer' })).statusCode).toBe(
        201,
      );
    });

    it('allows 50 members per list, the owner included: inviting or accepting beyond is 422, and the code stays open', async () => {
      const list = await createList(owner);
      const { code } = await invite(owner, list.id);
      await insertMembers(list.id, 49);
      const invited = await request(owner, 'POST', `/api/lists/${list.id}/invitations`, { role: 'viewer' });
      expect([invited.statusCode, invited.json<Problem>().detail]).toEqual([
        422,
        'The list already has 50 members, the most allowed',
      ]);
      const accepted = await request(stranger, 'POST', `/api/invitations/${code}/accept`);
      expect(accepted.statusCode).toBe(422);
      expect(await openCodes(list.id)).toEqual([code]);
      expect((await stored(list.id)).members).toHaveLength(50);
    });
  });

  describe('members', () => {
    it('lists the members, the owner first, then by when they joined, with name and email', async () => {
      const list = await createList(owner);
      await join(list.id, viewer, 'viewer');
      await join(list.id, editor, 'editor');
      for (const who of [owner, editor, viewer]) {
        const res = await request(who, 'GET', `/api/lists/${list.id}/members`);
        expect(res.statusCode).toBe(200);
        const items = res.json<MemberList>().items;
        expect(items.map((m) => [m.user_id, m.role])).toEqual([
          [owner.user.id, 'owner'],
          [viewer.user.id, 'viewer'],
          [editor.user.id, 'editor'],
        ]);
        expect(items[1]).toEqual({
          user_id: viewer.user.id,
          email: viewer.user.email,
          name: viewer.user.name,
          role: 'viewer',
          joined_at: expect.stringMatching(/Z$/) as string,
        });
      }
    });

    it('lets the owner change a member’s role, which takes effect at once', async () => {
      const list = await createList(owner);
      await join(list.id, editor, 'viewer');
      expect((await request(editor, 'PATCH', `/api/lists/${list.id}`, { name: 'x' })).statusCode).toBe(403);
      const res = await request(owner, 'PATCH', `/api/lists/${list.id}/members/${editor.user.id}`, { role: 'editor' });
      expect(res.statusCode).toBe(200);
      expect(res.json<Member>()).toMatchObject({ user_id: editor.user.id, role: 'editor' });
      expect((await request(editor, 'PATCH', `/api/lists/${list.id}`, { name: 'Renamed' })).statusCode).toBe(200);
      expect(await ok<List>(editor, 'GET', `/api/lists/${list.id}`, undefined, 200)).toMatchObject({ role: 'editor' });
    });

    it('refuses to change the owner’s role (422), a role that is not editor or viewer (422), or a non-member’s (404)', async () => {
      const list = await createList(owner);
      await join(list.id, editor);
      const before = await stored(list.id);
      const own = await request(owner, 'PATCH', `/api/lists/${list.id}/members/${owner.user.id}`, { role: 'viewer' });
      expect(own.statusCode).toBe(422);
      for (const body of [{ role: 'owner' }, { role: 'admin' }, {}, { role: 7 }]) {
        const res = await request(owner, 'PATCH', `/api/lists/${list.id}/members/${editor.user.id}`, body);
        expect(res.statusCode).toBe(422);
        expect(res.json<Problem>().errors).toEqual([expect.objectContaining({ field: 'role' })]);
      }
      const outsider = await request(owner, 'PATCH', `/api/lists/${list.id}/members/${stranger.user.id}`, {
        role: 'viewer',
      });
      expect([outsider.statusCode, outsider.json<Problem>().detail]).toEqual([404, 'Member not found']);
      expect(await stored(list.id)).toEqual(before);
    });

    it('ends a removed member’s access at once, unassigns them, keeps the tasks they made, and tells them', async () => {
      const afterCommit = t.app.get(AfterCommit);
      const announce = jest.spyOn(afterCommit, 'announce');
      try {
        const list = await createList(owner);
        await join(list.id, editor);
        await join(list.id, viewer, 'viewer');
        const made = await insertTask(list.id, editor, editor, 'a0');
        const assignedToViewer = await insertTask(list.id, owner, viewer, 'a1');
        announce.mockClear();

        const res = await request(owner, 'DELETE', `/api/lists/${list.id}/members/${editor.user.id}`);
        expect(res.statusCode).toBe(204);
        expect(announce).toHaveBeenCalledWith(editor.user.id);
        const gone = await request(editor, 'GET', `/api/lists/${list.id}`);
        expect([gone.statusCode, gone.json<Problem>().detail]).toEqual([404, 'List not found']);
        expect((await ok<ListList>(editor, 'GET', '/api/lists', undefined, 200)).items.map((x) => x.id)).not.toContain(
          list.id,
        );
        const { rows } = await t.sql.query(
          'SELECT id, created_by, assignee_id, version FROM tasks WHERE list_id = $1 ORDER BY id',
          [list.id],
        );
        expect(rows).toEqual([
          { id: made, created_by: editor.user.id, assignee_id: null, version: 2 },
          { id: assignedToViewer, created_by: owner.user.id, assignee_id: viewer.user.id, version: 1 },
        ]);
        expect(await ok<List>(owner, 'GET', `/api/lists/${list.id}`, undefined, 200)).toMatchObject({
          member_count: 2,
        });
        expect((await request(owner, 'DELETE', `/api/lists/${list.id}/members/${editor.user.id}`)).statusCode).toBe(
          404,
        );
      } finally {
        announce.mockRestore();
      }
    });

    it('lets a member leave (their own id), but not the owner, nor anyone their inbox', async () => {
      const list = await createList(owner);
      await join(list.id, viewer, 'viewer');
      const left = await request(viewer, 'DELETE', `/api/${viewer.user.id}/lists/${list.id}/members/${viewer.user.id}`);
      expect(left.statusCode).toBe(204);
      expect((await request(viewer, 'GET', `/api/lists/${list.id}`)).statusCode).toBe(404);

      const before = await stored(list.id);
      const ownerLeaves = await request(owner, 'DELETE', `/api/lists/${list.id}/members/${owner.user.id}`);
      expect([ownerLeaves.statusCode, ownerLeaves.json<Problem>().detail]).toEqual([
        422,
        'The owner cannot leave their list; delete it instead',
      ]);
      const [inbox] = (await ok<ListList>(owner, 'GET', '/api/lists', undefined, 200)).items;
      const inboxLeave = await request(owner, 'DELETE', `/api/lists/${inbox.id}/members/${owner.user.id}`);
      expect([inboxLeave.statusCode, inboxLeave.json<Problem>().detail]).toEqual([422, 'You cannot leave your inbox']);
      expect(await stored(list.id)).toEqual(before);
    });

    it('tells every member of a deleted list, who then see 404', async () => {
      const afterCommit = t.app.get(AfterCommit);
      const announce = jest.spyOn(afterCommit, 'announce');
      try {
        const list = await createList(owner);
        await join(list.id, editor);
        await join(list.id, viewer, 'viewer');
        announce.mockClear();
        expect((await request(owner, 'DELETE', `/api/lists/${list.id}`)).statusCode).toBe(204);
        for (const who of [editor, viewer]) {
          expect(announce).toHaveBeenCalledWith(who.user.id);
          expect((await request(who, 'GET', `/api/lists/${list.id}`)).statusCode).toBe(404);
        }
      } finally {
        announce.mockRestore();
      }
    });
  });

  describe('who may do what', () => {
    type Who = 'owner' | 'editor' | 'viewer' | 'stranger' | 'removed';
    const sessions = (): Record<Who, Session> => ({ owner, editor, viewer, stranger, removed });

    /** A list with an editor, a viewer and `extra` (a viewer to act on), from which `removed` was removed, and an open code. */
    async function sharedList() {
      const list = await createList(owner, 'Matrix');
      await join(list.id, editor, 'editor');
      await join(list.id, viewer, 'viewer');
      await join(list.id, extra, 'viewer');
      await join(list.id, removed, 'editor');
      await ok(owner, 'DELETE', `/api/lists/${list.id}/members/${removed.user.id}`, undefined, 204);
      const { code } = await invite(owner, list.id, 'viewer');
      await insertTask(list.id, owner, extra, 'a0');
      return { list, code };
    }

    type Route = [string, Method, (list: number, code: string, me: string) => string, unknown, Record<Who, number>];
    const ROUTES: Route[] = [
      [
        'read the list',
        'GET',
        (l) => `/api/lists/${l}`,
        undefined,
        { owner: 200, editor: 200, viewer: 200, stranger: 404, removed: 404 },
      ],
      [
        'rename it',
        'PATCH',
        (l) => `/api/lists/${l}`,
        { name: 'Renamed' },
        { owner: 200, editor: 200, viewer: 403, stranger: 404, removed: 404 },
      ],
      [
        'send an empty update',
        'PATCH',
        (l) => `/api/lists/${l}`,
        {},
        { owner: 200, editor: 200, viewer: 403, stranger: 404, removed: 404 },
      ],
      [
        'delete it',
        'DELETE',
        (l) => `/api/lists/${l}`,
        undefined,
        { owner: 204, editor: 403, viewer: 403, stranger: 404, removed: 404 },
      ],
      [
        'move it',
        'POST',
        (l) => `/api/lists/${l}/move`,
        { after_id: null },
        { owner: 200, editor: 200, viewer: 200, stranger: 404, removed: 404 },
      ],
      [
        'read its members',
        'GET',
        (l) => `/api/lists/${l}/members`,
        undefined,
        { owner: 200, editor: 200, viewer: 200, stranger: 404, removed: 404 },
      ],
      [
        'change a role',
        'PATCH',
        (l) => `/api/lists/${l}/members/${extra.user.id}`,
        { role: 'editor' },
        { owner: 200, editor: 403, viewer: 403, stranger: 404, removed: 404 },
      ],
      [
        'remove a member',
        'DELETE',
        (l) => `/api/lists/${l}/members/${extra.user.id}`,
        undefined,
        { owner: 204, editor: 403, viewer: 403, stranger: 404, removed: 404 },
      ],
      [
        'leave',
        'DELETE',
        (l, _c, me) => `/api/lists/${l}/members/${me}`,
        undefined,
        { owner: 422, editor: 204, viewer: 204, stranger: 404, removed: 404 },
      ],
      [
        'invite',
        'POST',
        (l) => `/api/lists/${l}/invitations`,
        { role: 'viewer' },
        { owner: 201, editor: 403, viewer: 403, stranger: 404, removed: 404 },
      ],
      [
        'read the invitations',
        'GET',
        (l) => `/api/lists/${l}/invitations`,
        undefined,
        { owner: 200, editor: 403, viewer: 403, stranger: 404, removed: 404 },
      ],
      [
        'revoke an invitation',
        'DELETE',
        (l, c) => `/api/lists/${l}/invitations/${c}`,
        undefined,
        { owner: 204, editor: 403, viewer: 403, stranger: 404, removed: 404 },
      ],
      [
        'accept an invitation',
        'POST',
        (_l, c) => `/api/invitations/${c}/accept`,
        undefined,
        { owner: 409, editor: 409, viewer: 409, stranger: 200, removed: 200 },
      ],
    ];
    const cases = ROUTES.flatMap(([action, method, url, body, expected]) =>
      (Object.keys(expected) as Who[]).map((who) => [who, action, expected[who], method, url, body] as const),
    );

    it.each(cases)('%s may %s: %i', async (who, _action, status, method, url, body) => {
      const { list, code } = await sharedList();
      const session = sessions()[who];
      const before = await stored(list.id);
      const res = await request(session, method, url(list.id, code, session.user.id), body);
      expect(res.statusCode).toBe(status);
      if (status >= 400) {
        expect(await stored(list.id)).toEqual(before);
        const { detail } = res.json<Problem>();
        if (status === 404) expect(['List not found', 'Invitation not found']).toContain(detail);
        // A 403 names the role needed.
        if (status === 403) expect(detail).toMatch(/needs the (owner|editor or owner) role/);
      } else if (method !== 'GET' && !(body && Object.keys(body).length === 0)) {
        expect(await stored(list.id)).not.toEqual(before);
      }
    });

    it('tells a stranger nothing a missing list would not: the same 404 on every route', async () => {
      const { list, code } = await sharedList();
      for (const [, method, url, body] of ROUTES) {
        if (url(1, 'c', 'u').startsWith('/api/invitations')) continue;
        const theirs = await request(stranger, method, url(list.id, code, stranger.user.id), body);
        const none = await request(stranger, method, url(2147483647, code, stranger.user.id), body);
        expect({ ...theirs.json<Problem>(), instance: undefined }).toEqual({
          ...none.json<Problem>(),
          instance: undefined,
        });
      }
    });
  });
});
