'use client';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { ApiError, messageOf, type Problem } from '../lib/api';
import { useOnline, useWorkspace, type List, type Ref } from '../lib/workspace';
import type { User } from './auth-form';
import { Sidebar } from './sidebar';
import { TaskList } from './task-list';
import { ListHeader } from './list-header';

export type StatusFilter = 'all' | 'pending' | 'completed';

/** The signed-in screen: lists on the side, the selected list's tasks in the middle. */
export function Workspace({ user, invite, onSignOut }: { user: User; invite?: string; onSignOut: () => void }) {
  const [notice, setNotice] = useState<string>();
  const onRejected = useCallback((mutation: { name: string }, problem: Problem) => {
    setNotice(`A change made offline was refused (${mutation.name}): ${problem.detail ?? problem.title}`);
  }, []);
  const { view, ready, actions } = useWorkspace(user.id, onRejected);
  const online = useOnline();
  const [selected, setSelected] = useState<Ref>();
  const [menuOpen, setMenuOpen] = useState(false);
  const [status, setStatus] = useState<StatusFilter>('all');
  const [categoryFilter, setCategoryFilter] = useState<Ref>();

  const lists = useMemo(
    () =>
      [...view.lists].sort((a, b) =>
        a.is_inbox !== b.is_inbox
          ? a.is_inbox
            ? -1
            : 1
          : a.position < b.position
            ? -1
            : a.position > b.position
              ? 1
              : String(a.id).localeCompare(String(b.id), 'en', { numeric: true }),
      ),
    [view.lists],
  );
  // A list created offline keeps being the one shown once the server gives it an id.
  const current: List | undefined =
    (selected !== undefined && lists.find((l) => l.id === actions.resolve(selected))) || lists[0];
  const category = categoryFilter === undefined ? undefined : actions.resolve(categoryFilter);

  // Joining a list from an invitation link, once, then showing it.
  useEffect(() => {
    if (!invite || !ready) return;
    window.history.replaceState(null, '', window.location.pathname);
    actions
      .accept(invite)
      .then((list) => {
        setSelected(list.id);
        setNotice(`You joined “${list.name}” as ${list.role}.`);
      })
      .catch((error: unknown) =>
        setNotice(
          error instanceof ApiError && error.status === 409
            ? 'You are already a member of that list.'
            : `The invitation did not work: ${messageOf(error)}`,
        ),
      );
  }, [invite, ready, actions]);

  const saving = view.unsent;
  const syncState = !online
    ? `Offline${saving ? `: ${saving} change${saving === 1 ? '' : 's'} waiting` : ''}`
    : saving
      ? `Saving ${saving} change${saving === 1 ? '' : 's'}…`
      : 'All changes saved';

  return (
    <div className="app">
      <header className="topbar">
        <button
          type="button"
          className="menu"
          aria-expanded={menuOpen}
          aria-controls="sidebar"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          ☰ <span className="visually-hidden">Lists</span>
        </button>
        <h1>Todo</h1>
        <span className={`sync ${online ? '' : 'offline'}`} role="status" data-testid="sync-state">
          {syncState}
        </span>
        <span className="who" title={user.email}>
          {user.name || user.email}
        </span>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      {notice && (
        <div className="notice" role="alert">
          {notice}{' '}
          <button type="button" className="link" onClick={() => setNotice(undefined)}>
            Dismiss
          </button>
        </div>
      )}
      <Sidebar
        open={menuOpen}
        lists={lists}
        tasks={view.tasks}
        categories={view.categories}
        current={current}
        categoryFilter={category}
        actions={actions}
        onSelect={(id) => {
          setSelected(id);
          setMenuOpen(false);
        }}
        onCategoryFilter={setCategoryFilter}
      />
      <main className="main">
        {!ready && !current && <p className="loading">Loading your lists…</p>}
        {current && (
          <>
            <ListHeader
              key={current.id}
              list={current}
              actions={actions}
              online={online}
              syncTick={view}
              onDeleted={() => setSelected(lists[0]?.id)}
            />
            <TaskList
              key={`tasks-${current.id}`}
              list={current}
              tasks={view.tasks}
              categories={view.categories}
              status={status}
              categoryFilter={category}
              onStatus={setStatus}
              onCategoryFilter={setCategoryFilter}
              actions={actions}
            />
          </>
        )}
      </main>
    </div>
  );
}
