import { randomUUID } from 'node:crypto';
import type { List, Problem, Session, SyncPage } from './api-types.js';
import type { TestApp, TestResponse } from './test-app.js';

/**
 * POST /api/sync/push as a client drives it (contract: "Offline changes: push"): one installation's
 * `client_id` and its mutation counter, consecutive from 1.
 */

export interface Mutation {
  id: number;
  name: string;
  args: Record<string, unknown>;
}

/** A mutation before the client numbers it. */
export type Change = Omit<Mutation, 'id'>;

/** The problem a push answers with: a 409 for a gap carries the id the server expected. */
export type PushProblem = Problem & { expected_id?: number };

export interface PushResult {
  id: number;
  status: 'applied' | 'duplicate' | 'rejected';
  error?: Problem;
}

export interface PushResponse {
  results: PushResult[];
  last_mutation_id: number;
  id_map: Record<string, number>;
  cursor: string;
}

/** A sync page read with `client_id`, which adds the client's `last_mutation_id`. */
export type ClientSyncPage = SyncPage & { last_mutation_id?: number };

export const PUSH = '/api/sync/push';

/** One installation of the app: its client id and the ids it has given its mutations so far. */
export class PushClient {
  private sent = 0;

  constructor(
    private readonly t: TestApp,
    readonly session: Session,
    readonly clientId: string = randomUUID(),
  ) {}

  /** Numbers `changes` from the client's next id on: the mutations a push would carry. */
  number(...changes: Change[]): Mutation[] {
    const mutations = changes.map((change, i) => ({ id: this.sent + i + 1, ...change }));
    this.sent += changes.length;
    return mutations;
  }

  /** Sends the mutations as they are (numbered already), answers whatever the server answers. */
  send(mutations: Mutation[]): Promise<TestResponse> {
    return this.t.request({
      method: 'POST',
      url: PUSH,
      token: this.session.token,
      body: { client_id: this.clientId, mutations },
    });
  }

  /** Numbers and sends `changes`; the push must answer 200. */
  async push(...changes: Change[]): Promise<PushResponse> {
    return ok(await this.send(this.number(...changes)));
  }

  /** GET /api/sync with this client's id (and `cursor` when given). */
  async sync(cursor?: string): Promise<ClientSyncPage> {
    const query = new URLSearchParams({ client_id: this.clientId, ...(cursor ? { cursor } : {}) });
    const response = await this.t.request({
      method: 'GET',
      url: `/api/sync?${query.toString()}`,
      token: this.session.token,
    });
    if (response.statusCode !== 200) throw new Error(`sync: ${response.statusCode} ${response.body}`);
    return response.json<ClientSyncPage>();
  }

  /** The server's `last_mutation_id` for this client, as GET /api/sync?client_id= gives it. */
  async lastMutationId(): Promise<number | undefined> {
    return (await this.sync()).last_mutation_id;
  }
}

/** The body of a 200 push answer; anything else fails with the body in the message. */
export function ok(response: TestResponse): PushResponse {
  if (response.statusCode !== 200) throw new Error(`push: ${response.statusCode} ${response.body}`);
  return response.json<PushResponse>();
}

/** A problem as a client compares it: `instance` names the request's URL, which differs by route. */
export const withoutInstance = ({ instance: _instance, ...problem }: Problem) => problem;

/** `viewer` or `editor` of `listId`, through an invitation its owner makes and they accept. */
export async function share(
  t: TestApp,
  owner: Session,
  member: Session,
  listId: number,
  role: 'editor' | 'viewer',
): Promise<void> {
  const invitation = await t.request({
    method: 'POST',
    url: `/api/lists/${listId}/invitations`,
    token: owner.token,
    body: { role },
  });
  if (invitation.statusCode !== 201) throw new Error(`invite: ${invitation.statusCode} ${invitation.body}`);
  const code = invitation.json<{ code: string }>().code;
  const accepted = await t.request({ method: 'POST', url: `/api/invitations/${code}/accept`, token: member.token });
  if (accepted.statusCode !== 200) throw new Error(`accept: ${accepted.statusCode} ${accepted.body}`);
}

export async function createList(t: TestApp, owner: Session, name: string): Promise<List> {
  const response = await t.request({ method: 'POST', url: '/api/lists', token: owner.token, body: { name } });
  if (response.statusCode !== 201) throw new Error(`list: ${response.statusCode} ${response.body}`);
  return response.json<List>();
}
