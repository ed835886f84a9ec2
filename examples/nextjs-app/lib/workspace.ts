'use client';
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import {
  OfflineQueue,
  type LocalCategory,
  type LocalList,
  type LocalTask,
  type LocalView,
  type Mutation,
  type Ref,
} from '../../offline-queue';
import { api, unwrap, type components, type Problem } from './api';

export type { LocalTask, Ref };
/** Lists and categories as shown: a `temp:` id until a change made offline reaches the server. */
export type List = LocalList;
export type Category = LocalCategory;
export type Member = components['schemas']['MemberDto'];
export type Invitation = components['schemas']['InvitationDto'];
type TaskUpdate = Omit<components['schemas']['UpdateTaskDto'], 'category_ids'> & { category_ids?: Ref[] };

const EMPTY: LocalView = { tasks: [], categories: [], lists: [], unsent: 0 };

function subscribeOnline(onChange: () => void): () => void {
  window.addEventListener('online', onChange);
  window.addEventListener('offline', onChange);
  return () => {
    window.removeEventListener('online', onChange);
    window.removeEventListener('offline', onChange);
  };
}

/** Whether the browser thinks it is online (false: every change goes to the offline queue). */
export function useOnline(): boolean {
  return useSyncExternalStore(
    subscribeOnline,
    () => navigator.onLine,
    () => true,
  );
}

/**
 * The signed-in user's lists, tasks and categories, kept by examples/offline-queue.ts: the server's
 * state from GET /api/sync (pulled on every /api/events change), with queued changes applied on top.
 *
 * Writes go to the API's REST routes while online, so a refusal (422 on a field, 412, 403) comes
 * back to the form that made it; offline, or while older changes still wait to be pushed (their
 * order must hold), they go to the queue and reach the server through POST /api/sync/push.
 */
export function useWorkspace(userId: string, onRejected: (mutation: Mutation, problem: Problem) => void) {
  const [view, setView] = useState<LocalView>(EMPTY);
  const [ready, setReady] = useState(false);
  const queueRef = useRef<OfflineQueue | undefined>(undefined);
  const rejectedRef = useRef(onRejected);
  rejectedRef.current = onRejected;

  useEffect(() => {
    let closed = false;
    let opened: OfflineQueue | undefined;
    void OfflineQueue.open({
      userId,
      flushEveryMs: 10_000,
      onChange: (next) => {
        if (!closed) setView({ ...next });
      },
      onRejected: (mutation, problem) => rejectedRef.current(mutation, problem),
    }).then((queue) => {
      if (closed) return queue.close();
      opened = queueRef.current = queue;
      setView({ ...queue.view });
      // The first pull has the lists; until then the sidebar would show none.
      void queue.flush().finally(() => !closed && setReady(true));
      if (!navigator.onLine) setReady(true);
    });
    return () => {
      closed = true;
      opened?.close();
      queueRef.current = undefined;
    };
  }, [userId]);

  /** Runs `online` against the REST route, or queues `offline` when it cannot or must not. */
  const write = useCallback(
    async (refs: Ref[], online: () => Promise<unknown>, offline: (queue: OfflineQueue) => Promise<unknown>) => {
      const queue = queueRef.current;
      if (!queue) throw new Error('Still loading: try again in a moment');
      const resolved = refs.map((ref) => queue.resolve(ref));
      const mustQueue = !navigator.onLine || queue.view.unsent > 0 || resolved.some((ref) => typeof ref === 'string');
      if (!mustQueue) {
        try {
          await online();
          void queue.flush();
          return;
        } catch (error) {
          // fetch rejects with a TypeError when the network is gone: keep the change for later.
          if (!(error instanceof TypeError)) throw error;
        }
      }
      await offline(queue);
    },
    [],
  );

  const id = (ref: Ref) => {
    const resolved = queueRef.current?.resolve(ref) ?? ref;
    if (typeof resolved !== 'number') throw new Error('This item is not saved yet');
    return resolved;
  };

  const actions = useMemo(
    () => ({
      refresh: () => queueRef.current?.flush(),

      /** The server's id for a ref once a push has told it: a selection made offline stays on its list. */
      resolve: (ref: Ref) => queueRef.current?.resolve(ref) ?? ref,

      addTask: (fields: { title: string; list_id: Ref; parent_id?: Ref | null; due_date?: string | null }) =>
        write(
          [fields.list_id, ...(fields.parent_id ? [fields.parent_id] : [])],
          () =>
            unwrap(
              api.POST('/api/tasks', {
                body: {
                  title: fields.title,
                  list_id: id(fields.list_id),
                  ...(fields.parent_id ? { parent_id: id(fields.parent_id) } : {}),
                  ...(fields.due_date ? { due_date: fields.due_date } : {}),
                },
              }),
            ),
          (queue) => queue.createTask(fields),
        ),

      /** `etag` from the GET that filled the form: a change someone saved since then is a 412. */
      updateTask: (ref: Ref, { category_ids, ...changes }: TaskUpdate, etag?: string | null) =>
        write(
          [ref, ...(category_ids ?? [])],
          () =>
            unwrap(
              api.PATCH('/api/tasks/{id}', {
                params: { path: { id: id(ref) }, header: etag ? { 'If-Match': etag } : {} },
                body: { ...changes, ...(category_ids && { category_ids: category_ids.map(id) }) },
              }),
            ),
          (queue) =>
            queue.updateTask(ref, {
              ...changes,
              ...(category_ids && { category_ids }),
              ...(etag ? { if_match: etag } : {}),
            }),
        ),

      setCompleted: (ref: Ref, completed: boolean) =>
        write(
          [ref],
          () =>
            unwrap(api.PATCH('/api/tasks/{id}/complete', { params: { path: { id: id(ref) } }, body: { completed } })),
          (queue) => queue.completeTask(ref, completed),
        ),

      deleteTask: (ref: Ref) =>
        write(
          [ref],
          () => unwrap(api.DELETE('/api/tasks/{id}', { params: { path: { id: id(ref) } } })),
          (queue) => queue.deleteTask(ref),
        ),

      /** Drag and drop: `after` (null: the top) or `before` a sibling. */
      moveTask: (ref: Ref, anchor: { after_id: Ref | null } | { before_id: Ref }) =>
        write(
          [ref, ...Object.values(anchor).filter((a): a is Ref => a !== null)],
          () =>
            unwrap(
              api.POST('/api/tasks/{id}/move', {
                params: { path: { id: id(ref) } },
                body:
                  'before_id' in anchor
                    ? { before_id: id(anchor.before_id) }
                    : { after_id: anchor.after_id === null ? null : id(anchor.after_id) },
              }),
            ),
          (queue) => queue.enqueue('task.move', { id: ref, ...anchor }),
        ),

      /** DELETE /api/tasks?status=completed&list_id=…; offline, one queued delete per task. */
      clearCompleted: (listRef: Ref, tasks: LocalTask[]) =>
        write(
          [listRef],
          () => unwrap(api.DELETE('/api/tasks', { params: { query: { status: 'completed', list_id: id(listRef) } } })),
          async (queue) => {
            // As the route does: every completed task of the list, subtasks included.
            for (const task of tasks) if (task.completed && task.list_id === listRef) await queue.deleteTask(task.id);
          },
        ),

      createList: (name: string) =>
        write(
          [],
          () => unwrap(api.POST('/api/lists', { body: { name } })),
          (queue) => queue.enqueue('list.create', { name, temp_id: crypto.randomUUID() }),
        ),

      renameList: (ref: Ref, name: string) =>
        write(
          [ref],
          () => unwrap(api.PATCH('/api/lists/{id}', { params: { path: { id: id(ref) } }, body: { name } })),
          (queue) => queue.enqueue('list.update', { id: ref, name }),
        ),

      deleteList: async (ref: Ref) => {
        await unwrap(api.DELETE('/api/lists/{id}', { params: { path: { id: id(ref) } } }));
        void queueRef.current?.flush();
      },

      createCategory: (name: string, color: string) =>
        write(
          [],
          () => unwrap(api.POST('/api/categories', { body: { name, color } })),
          (queue) => queue.enqueue('category.create', { name, color, temp_id: crypto.randomUUID() }),
        ),

      deleteCategory: (ref: Ref) =>
        write(
          [ref],
          () => unwrap(api.DELETE('/api/categories/{id}', { params: { path: { id: id(ref) } } })),
          (queue) => queue.enqueue('category.delete', { id: ref }),
        ),

      /** The task as the server has it now, with the ETag a later save must match. */
      readTask: (ref: Ref) => unwrap(api.GET('/api/tasks/{id}', { params: { path: { id: id(ref) } } })),

      members: (listRef: Ref) =>
        unwrap(api.GET('/api/lists/{id}/members', { params: { path: { id: id(listRef) } } })).then((r) => r.data.items),

      removeMember: async (listRef: Ref, userId: string) => {
        await unwrap(
          api.DELETE('/api/lists/{id}/members/{memberId}', {
            params: { path: { id: id(listRef), memberId: userId } },
          }),
        );
        void queueRef.current?.flush();
      },

      /** The owner makes a member an editor or a viewer. */
      setRole: async (listRef: Ref, userId: string, role: 'editor' | 'viewer') => {
        const { data } = await unwrap(
          api.PATCH('/api/lists/{id}/members/{memberId}', {
            params: { path: { id: id(listRef), memberId: userId } },
            body: { role },
          }),
        );
        return data;
      },

      /** A member leaves a shared list: DELETE .../members/{their own id}. */
      leave: async (listRef: Ref) => {
        await unwrap(
          api.DELETE('/api/lists/{id}/members/{memberId}', { params: { path: { id: id(listRef), memberId: userId } } }),
        );
        void queueRef.current?.flush();
      },

      invite: (listRef: Ref, role: 'editor' | 'viewer') =>
        unwrap(api.POST('/api/lists/{id}/invitations', { params: { path: { id: id(listRef) } }, body: { role } })).then(
          (r) => r.data,
        ),

      accept: async (code: string) => {
        const { data } = await unwrap(api.POST('/api/invitations/{code}/accept', { params: { path: { code } } }));
        await queueRef.current?.flush();
        return data;
      },
    }),
    [write, userId],
  );

  return { view, ready, actions };
}

export type WorkspaceActions = ReturnType<typeof useWorkspace>['actions'];
