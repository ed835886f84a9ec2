'use client';
import { useMemo, useRef, useState, type FormEvent } from 'react';
import { fieldError, messageOf } from '../lib/api';
import type { Category, List, LocalTask, Ref, WorkspaceActions } from '../lib/workspace';
import { TaskRow } from './task-row';
import type { StatusFilter } from './workspace';
import { textField } from '../lib/forms';

/** Manual order: `position` compared as plain strings, then id (the contract's order). */
export function byPosition(a: LocalTask, b: LocalTask): number {
  if (a.position !== b.position) return a.position < b.position ? -1 : 1;
  return String(a.id).localeCompare(String(b.id), 'en', { numeric: true });
}

/** A due date picked in a date input is that day at 00:00 UTC; shown back as the same day. */
export const dueDateValue = (iso: string | null) => (iso ? iso.slice(0, 10) : '');
export const dueDateIso = (value: string) => (value ? `${value}T00:00:00.000Z` : null);

interface Props {
  list: List;
  tasks: LocalTask[];
  categories: Category[];
  status: StatusFilter;
  categoryFilter?: Ref;
  onStatus: (status: StatusFilter) => void;
  onCategoryFilter: (id: Ref | undefined) => void;
  actions: WorkspaceActions;
}

export function TaskList({ list, tasks, categories, status, categoryFilter, actions, ...on }: Props) {
  const [dragged, setDragged] = useState<Ref>();
  const [error, setError] = useState<unknown>();
  const canWrite = list.role !== 'viewer';

  const inList = useMemo(() => tasks.filter((t) => t.list_id === list.id), [tasks, list.id]);
  const topLevel = useMemo(() => inList.filter((t) => t.parent_id === null).sort(byPosition), [inList]);
  const shown = topLevel.filter(
    (t) =>
      (status === 'all' || (status === 'pending' ? !t.completed : t.completed)) &&
      (categoryFilter === undefined || t.category_ids.includes(categoryFilter)),
  );
  const left = topLevel.filter((t) => !t.completed).length;
  const done = topLevel.length - left;

  const run = (action: Promise<unknown>) =>
    action.then(
      () => setError(undefined),
      (e: unknown) => setError(e),
    );

  /** Drops `moving` onto `target`: after it when moving down, before it when moving up. */
  function drop(moving: Ref, target: Ref) {
    if (moving === target) return;
    const from = shown.findIndex((t) => t.id === moving);
    const to = shown.findIndex((t) => t.id === target);
    if (from < 0 || to < 0) return;
    void run(actions.moveTask(moving, from < to ? { after_id: target } : { before_id: target }));
  }

  return (
    <section className="tasks" aria-label={`Tasks in ${list.name}`}>
      {canWrite && <AddTaskForm list={list} actions={actions} />}
      <div className="filters" role="toolbar" aria-label="Filters">
        <div className="segmented" role="group" aria-label="Status">
          {(['all', 'pending', 'completed'] as const).map((value) => (
            <button key={value} type="button" aria-pressed={status === value} onClick={() => on.onStatus(value)}>
              {value === 'all' ? 'All' : value === 'pending' ? 'Active' : 'Completed'}
            </button>
          ))}
        </div>
        <label>
          <span className="visually-hidden">Category</span>
          <select
            aria-label="Category filter"
            value={categoryFilter ?? ''}
            onChange={(e) => on.onCategoryFilter(categories.find((c) => String(c.id) === e.target.value)?.id)}
          >
            <option value="">Any category</option>
            {categories.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      {!!error && (
        <p className="error" role="alert">
          {messageOf(error)}
        </p>
      )}
      {shown.length === 0 ? (
        <p className="empty">{topLevel.length === 0 ? 'Nothing here yet.' : 'No task matches these filters.'}</p>
      ) : (
        <ul className="task-list" aria-label="Tasks">
          {shown.map((task, index) => (
            <TaskRow
              key={String(task.id)}
              task={task}
              subtasks={inList.filter((t) => t.parent_id === task.id).sort(byPosition)}
              categories={categories}
              canWrite={canWrite}
              actions={actions}
              dragging={dragged === task.id}
              onDragStart={() => setDragged(task.id)}
              onDragEnd={() => setDragged(undefined)}
              onDrop={() => dragged !== undefined && drop(dragged, task.id)}
              onMoveUp={
                index > 0 ? () => run(actions.moveTask(task.id, { before_id: shown[index - 1].id })) : undefined
              }
              onMoveDown={
                index < shown.length - 1
                  ? () => run(actions.moveTask(task.id, { after_id: shown[index + 1].id }))
                  : undefined
              }
            />
          ))}
        </ul>
      )}
      <footer className="task-footer">
        <span>
          {left} {left === 1 ? 'task' : 'tasks'} left
        </span>
        {canWrite && done > 0 && (
          <button type="button" onClick={() => run(actions.clearCompleted(list.id, inList))}>
            Clear completed ({done})
          </button>
        )}
      </footer>
    </section>
  );
}

function AddTaskForm({ list, actions }: { list: List; actions: WorkspaceActions }) {
  const [error, setError] = useState<unknown>();
  const input = useRef<HTMLInputElement>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const title = textField(form, 'title');
    const due = textField(form, 'due');
    // Ready for the next task at once; the text comes back if the API refuses it.
    form.reset();
    input.current?.focus();
    try {
      await actions.addTask({
        title,
        list_id: list.id,
        due_date: dueDateIso(due),
      });
      setError(undefined);
    } catch (e) {
      setError(e);
      if (input.current && !input.current.value) input.current.value = title;
    }
  }

  const titleError = fieldError(error, 'title');
  return (
    <form className="add-task" onSubmit={submit} noValidate>
      <label className="visually-hidden" htmlFor="new-task">
        New task
      </label>
      <input
        id="new-task"
        ref={input}
        name="title"
        placeholder={`Add a task to ${list.name}`}
        autoComplete="off"
        aria-invalid={!!titleError}
        aria-describedby={error ? 'new-task-error' : undefined}
      />
      <label className="visually-hidden" htmlFor="new-task-due">
        Due date
      </label>
      <input id="new-task-due" name="due" type="date" />
      <button type="submit" className="primary">
        Add
      </button>
      {!!error && (
        <p className="error field-error" id="new-task-error" role="alert">
          {titleError ?? messageOf(error)}
        </p>
      )}
    </form>
  );
}
