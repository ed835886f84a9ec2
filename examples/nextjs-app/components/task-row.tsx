'use client';
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { ApiError, fieldError, messageOf } from '../lib/api';
import type { Category, LocalTask, Ref, WorkspaceActions } from '../lib/workspace';
import { dueDateIso, dueDateValue } from './task-list';
import { textField } from '../lib/forms';

interface Props {
  task: LocalTask;
  subtasks: LocalTask[];
  categories: Category[];
  canWrite: boolean;
  actions: WorkspaceActions;
  dragging: boolean;
  onDragStart: () => void;
  onDragEnd: () => void;
  onDrop: () => void;
  onMoveUp?: () => void;
  onMoveDown?: () => void;
}

function formatDue(iso: string): string {
  return new Date(iso).toLocaleDateString(undefined, { timeZone: 'UTC', month: 'short', day: 'numeric' });
}

/**
 * A checkbox that shows its new state at once and follows the task once the change comes back
 * (or returns when it is refused).
 */
function useOptimisticCompleted(task: LocalTask, actions: WorkspaceActions, onError: (e: unknown) => void) {
  const [wanted, setWanted] = useState<boolean>();
  useEffect(() => setWanted(undefined), [task.completed]);
  const set = (completed: boolean) => {
    setWanted(completed);
    actions.setCompleted(task.id, completed).then(
      () => onError(undefined),
      (e: unknown) => {
        setWanted(undefined);
        onError(e);
      },
    );
  };
  return [wanted ?? task.completed, set] as const;
}

/** One task: complete, open to edit, delete, drag (or Alt+↑/↓) to reorder. */
export function TaskRow({ task, subtasks, categories, canWrite, actions, dragging, ...on }: Props) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string>();
  const chips = categories.filter((c) => task.category_ids.includes(c.id));
  const doneSubtasks = subtasks.filter((s) => s.completed).length;
  const overdue =
    !task.completed && task.due_date && task.due_date.slice(0, 10) < new Date().toISOString().slice(0, 10);

  const run = (action: Promise<unknown>) =>
    action.then(
      () => setError(undefined),
      (e: unknown) => setError(messageOf(e)),
    );
  const [completed, setCompleted] = useOptimisticCompleted(task, actions, (e) =>
    setError(e === undefined ? undefined : messageOf(e)),
  );

  function keys(event: KeyboardEvent<HTMLLIElement>) {
    if (!event.altKey || !canWrite) return;
    const move = event.key === 'ArrowUp' ? on.onMoveUp : event.key === 'ArrowDown' ? on.onMoveDown : undefined;
    if (!move) return;
    event.preventDefault();
    move();
  }

  return (
    <li
      className={`task ${completed ? 'done' : ''} ${dragging ? 'dragging' : ''}`}
      data-task={task.title}
      draggable={canWrite && !open}
      onDragStart={(e) => {
        e.dataTransfer.effectAllowed = 'move';
        e.dataTransfer.setData('text/plain', String(task.id));
        on.onDragStart();
      }}
      onDragEnd={on.onDragEnd}
      onDragOver={(e) => e.preventDefault()}
      onDrop={(e) => {
        e.preventDefault();
        on.onDrop();
      }}
      onKeyDown={keys}
    >
      <div className="task-line">
        <span className="grip" aria-hidden title="Drag, or Alt+↑/↓, to reorder">
          ⋮⋮
        </span>
        <input
          type="checkbox"
          checked={completed}
          disabled={!canWrite}
          aria-label={`Complete “${task.title}”`}
          onChange={(e) => setCompleted(e.target.checked)}
        />
        <button
          type="button"
          className="task-title"
          aria-expanded={open}
          title="Edit (Alt+↑/↓ to move)"
          onClick={() => setOpen(!open)}
        >
          {task.title}
        </button>
        <span className="meta">
          {chips.map((c) => (
            <span key={c.id} className="chip small" style={{ '--chip': c.color } as React.CSSProperties}>
              {c.name}
            </span>
          ))}
          {subtasks.length > 0 && (
            <span className="subcount" aria-label={`${doneSubtasks} of ${subtasks.length} subtasks done`}>
              ☑ {doneSubtasks}/{subtasks.length}
            </span>
          )}
          {task.due_date && (
            <time className={`due ${overdue ? 'overdue' : ''}`} dateTime={task.due_date}>
              {formatDue(task.due_date)}
            </time>
          )}
          {task.pending && (
            <span className="unsaved" title="Not saved yet">
              ●<span className="visually-hidden">not saved yet</span>
            </span>
          )}
        </span>
        {canWrite && (
          <button
            type="button"
            className="icon"
            aria-label={`Delete “${task.title}”`}
            onClick={() => run(actions.deleteTask(task.id))}
          >
            ×
          </button>
        )}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {open && (
        <TaskEditor
          task={task}
          subtasks={subtasks}
          categories={categories}
          canWrite={canWrite}
          actions={actions}
          onClose={() => setOpen(false)}
        />
      )}
    </li>
  );
}

/**
 * Title, due date, categories and subtasks. The form starts from GET /api/tasks/{id}, whose ETag
 * goes back as If-Match: when someone else saved first, the API answers 412 and the form offers to
 * reload their version rather than overwrite it.
 */
function TaskEditor({
  task,
  subtasks,
  categories,
  canWrite,
  actions,
  onClose,
}: {
  task: LocalTask;
  subtasks: LocalTask[];
  categories: Category[];
  canWrite: boolean;
  actions: WorkspaceActions;
  onClose: () => void;
}) {
  const [title, setTitle] = useState(task.title);
  const [due, setDue] = useState(dueDateValue(task.due_date));
  const [labels, setLabels] = useState<Ref[]>(task.category_ids);
  const [etag, setEtag] = useState<string | null>();
  const [error, setError] = useState<unknown>();
  const [stale, setStale] = useState(false);

  const edited = useRef(false);

  /** Reads the task and its ETag; fills the form too unless the user has started typing. */
  async function load(refill: boolean) {
    try {
      const { data, etag } = await actions.readTask(task.id);
      setEtag(etag);
      if (!refill && edited.current) return;
      setTitle(data.title);
      setDue(dueDateValue(data.due_date ?? null));
      setLabels(data.category_ids);
      setStale(false);
      setError(undefined);
    } catch {
      // Offline, or not saved yet: edit what this device shows, without a version to check.
      setEtag(null);
    }
  }
  useEffect(() => {
    void load(false);
  }, []);

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    try {
      // A viewer may only put their own labels on a task: a PATCH of `category_ids` alone.
      const changes = canWrite ? { title, due_date: dueDateIso(due), category_ids: labels } : { category_ids: labels };
      await actions.updateTask(task.id, changes, etag);
      setError(undefined);
      onClose();
    } catch (e) {
      if (e instanceof ApiError && e.status === 412) setStale(true);
      setError(e);
    }
  }

  const titleError = fieldError(error, 'title');
  const dueError = fieldError(error, 'due_date');
  const id = `task-${String(task.id).replace(/\W/g, '')}`;
  return (
    <div className="editor">
      <form
        onSubmit={save}
        noValidate
        onKeyDown={(e) => e.key === 'Escape' && onClose()}
        onInput={() => (edited.current = true)}
        onClickCapture={(e) => {
          if ((e.target as HTMLElement).closest('.labels')) edited.current = true;
        }}
      >
        {stale && (
          <div className="conflict" role="alert">
            Someone changed this task since you opened it.{' '}
            <button type="button" className="primary" onClick={() => void load(true)}>
              Reload their version
            </button>
          </div>
        )}
        <label htmlFor={`${id}-title`}>Title</label>
        <input
          id={`${id}-title`}
          value={title}
          disabled={!canWrite}
          onChange={(e) => setTitle(e.target.value)}
          aria-invalid={!!titleError}
          aria-describedby={titleError ? `${id}-title-error` : undefined}
          autoFocus
        />
        {titleError && (
          <p className="error field-error" id={`${id}-title-error`}>
            {titleError}
          </p>
        )}
        <label htmlFor={`${id}-due`}>Due date</label>
        <input id={`${id}-due`} type="date" value={due} disabled={!canWrite} onChange={(e) => setDue(e.target.value)} />
        {dueError && <p className="error field-error">{dueError}</p>}
        {categories.length > 0 && (
          <fieldset className="labels">
            <legend>Categories</legend>
            {categories.map((c) => (
              <button
                key={c.id}
                type="button"
                className="chip"
                style={{ '--chip': c.color } as React.CSSProperties}
                aria-pressed={labels.includes(c.id)}
                onClick={() => setLabels(labels.includes(c.id) ? labels.filter((l) => l !== c.id) : [...labels, c.id])}
              >
                {c.name}
              </button>
            ))}
          </fieldset>
        )}
        {!!error && !titleError && !dueError && !stale && (
          <p className="error" role="alert">
            {messageOf(error)}
          </p>
        )}
        <div className="editor-actions">
          <button type="submit" className="primary">
            Save
          </button>
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
      </form>
      <Subtasks parent={task} subtasks={subtasks} canWrite={canWrite} actions={actions} />
    </div>
  );
}

function Subtasks({
  parent,
  subtasks,
  canWrite,
  actions,
}: {
  parent: LocalTask;
  subtasks: LocalTask[];
  canWrite: boolean;
  actions: WorkspaceActions;
}) {
  const [error, setError] = useState<unknown>();

  async function add(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const title = textField(form, 'title');
    form.reset();
    try {
      await actions.addTask({ title, list_id: parent.list_id ?? 0, parent_id: parent.id });
      setError(undefined);
    } catch (e) {
      setError(e);
    }
  }

  return (
    <section className="subtasks" aria-label={`Subtasks of ${parent.title}`}>
      <h4>Subtasks</h4>
      <ul>
        {subtasks.map((s) => (
          <SubtaskItem key={String(s.id)} task={s} canWrite={canWrite} actions={actions} onError={setError} />
        ))}
      </ul>
      {canWrite && (
        <form onSubmit={add} className="inline-form" noValidate>
          <label className="visually-hidden" htmlFor={`sub-${String(parent.id)}`}>
            New subtask
          </label>
          <input id={`sub-${String(parent.id)}`} name="title" placeholder="Add a subtask" autoComplete="off" />
          <button type="submit">Add subtask</button>
        </form>
      )}
      {!!error && (
        <p className="error" role="alert">
          {fieldError(error, 'title') ?? messageOf(error)}
        </p>
      )}
    </section>
  );
}

function SubtaskItem({
  task,
  canWrite,
  actions,
  onError,
}: {
  task: LocalTask;
  canWrite: boolean;
  actions: WorkspaceActions;
  onError: (error: unknown) => void;
}) {
  const [completed, setCompleted] = useOptimisticCompleted(task, actions, onError);
  return (
    <li className={completed ? 'done' : ''} data-subtask={task.title}>
      <input
        type="checkbox"
        checked={completed}
        disabled={!canWrite}
        aria-label={`Complete subtask “${task.title}”`}
        onChange={(e) => setCompleted(e.target.checked)}
      />
      <span>{task.title}</span>
      {canWrite && (
        <button
          type="button"
          className="icon"
          aria-label={`Delete subtask “${task.title}”`}
          onClick={() => actions.deleteTask(task.id).then(() => onError(undefined), onError)}
        >
          ×
        </button>
      )}
    </li>
  );
}
