'use client';
import { useState, type FormEvent } from 'react';
import { fieldError, messageOf } from '../lib/api';
import type { Category, List, LocalTask, Ref, WorkspaceActions } from '../lib/workspace';
import { textField } from '../lib/forms';

interface Props {
  open: boolean;
  lists: List[];
  tasks: LocalTask[];
  categories: Category[];
  current?: List;
  categoryFilter?: Ref;
  actions: WorkspaceActions;
  onSelect: (id: Ref) => void;
  onCategoryFilter: (id: Ref | undefined) => void;
}

/** Lists (the inbox first, then the user's own order) and the user's categories. */
export function Sidebar({ open, lists, tasks, categories, current, categoryFilter, actions, ...on }: Props) {
  // As the list's footer counts: open top-level tasks.
  const pending = (listId: Ref) =>
    tasks.filter((t) => t.list_id === listId && t.parent_id === null && !t.completed).length;
  return (
    <aside id="sidebar" className={`sidebar ${open ? 'open' : ''}`}>
      <nav aria-label="Lists">
        <h2>Lists</h2>
        <ul className="lists">
          {lists.map((list) => (
            <li key={list.id}>
              <button
                type="button"
                aria-current={list.id === current?.id ? 'page' : undefined}
                onClick={() => on.onSelect(list.id)}
              >
                <span className="dot" style={{ background: list.color }} aria-hidden />
                <span className="name">{list.name}</span>
                {list.pending && <Unsaved />}
                {list.member_count > 1 && (
                  <span className="shared" title={`Shared with ${list.member_count - 1}`}>
                    ⇄
                  </span>
                )}
                <span className="count" aria-label={`${pending(list.id)} open`}>
                  {pending(list.id) || ''}
                </span>
              </button>
            </li>
          ))}
        </ul>
        <NewListForm actions={actions} />
      </nav>
      <section aria-labelledby="categories-title" className="categories">
        <h2 id="categories-title">Categories</h2>
        <ul className="chips">
          {categories.map((category) => (
            <li key={category.id}>
              <button
                type="button"
                className="chip"
                style={{ '--chip': category.color } as React.CSSProperties}
                aria-pressed={categoryFilter === category.id}
                onClick={() => on.onCategoryFilter(categoryFilter === category.id ? undefined : category.id)}
              >
                {category.name}
                {category.pending && <Unsaved />}
              </button>
            </li>
          ))}
        </ul>
        <NewCategoryForm actions={actions} />
      </section>
    </aside>
  );
}

/** Changed offline (or just now): the server does not have it yet. */
function Unsaved() {
  return (
    <span className="unsaved" title="Not saved yet">
      ●<span className="visually-hidden">not saved yet</span>
    </span>
  );
}

function NewListForm({ actions }: { actions: WorkspaceActions }) {
  const [error, setError] = useState<unknown>();
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const name = textField(form, 'name');
    try {
      await actions.createList(name);
      setError(undefined);
      form.reset();
    } catch (e) {
      setError(e);
    }
  }
  const nameError = fieldError(error, 'name');
  return (
    <form onSubmit={submit} className="inline-form" noValidate>
      <label className="visually-hidden" htmlFor="new-list">
        New list
      </label>
      <input
        id="new-list"
        name="name"
        placeholder="New list"
        aria-invalid={!!nameError}
        aria-describedby={error ? 'new-list-error' : undefined}
      />
      <button type="submit">Add list</button>
      {!!error && (
        <p className="error" id="new-list-error" role="alert">
          {nameError ?? messageOf(error)}
        </p>
      )}
    </form>
  );
}

const PALETTE = ['#ef4444', '#f59e0b', '#22c55e', '#3b82f6', '#8b5cf6', '#ec4899'];

function NewCategoryForm({ actions }: { actions: WorkspaceActions }) {
  const [error, setError] = useState<unknown>();
  const [color, setColor] = useState(PALETTE[0]);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    try {
      await actions.createCategory(textField(form, 'name'), color);
      setError(undefined);
      form.reset();
      setColor(PALETTE[(PALETTE.indexOf(color) + 1) % PALETTE.length]);
    } catch (e) {
      setError(e);
    }
  }
  const nameError = fieldError(error, 'name');
  return (
    <form onSubmit={submit} className="inline-form" noValidate>
      <label className="visually-hidden" htmlFor="new-category">
        New category
      </label>
      <input
        id="new-category"
        name="name"
        placeholder="New category"
        aria-invalid={!!nameError}
        aria-describedby={error ? 'new-category-error' : undefined}
      />
      <label className="color">
        <span className="visually-hidden">Colour</span>
        <input type="color" value={color} onChange={(e) => setColor(e.target.value)} />
      </label>
      <button type="submit">Add category</button>
      {!!error && (
        <p className="error" id="new-category-error" role="alert">
          {nameError ?? messageOf(error)}
        </p>
      )}
    </form>
  );
}
