'use client';
import { useState, type FormEvent } from 'react';
import { fieldError, messageOf } from '../lib/api';
import type { List, WorkspaceActions } from '../lib/workspace';
import { SharePanel } from './share-panel';
import { textField } from '../lib/forms';

/** The list's name with what the caller's role allows: rename, share, delete. */
export function ListHeader({
  list,
  actions,
  online,
  syncTick,
  onDeleted,
}: {
  list: List;
  actions: WorkspaceActions;
  online: boolean;
  syncTick: unknown;
  onDeleted: () => void;
}) {
  const [renaming, setRenaming] = useState(false);
  const [sharing, setSharing] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [error, setError] = useState<unknown>();
  const owner = list.role === 'owner';
  const canRename = list.role !== 'viewer' && !list.is_inbox;

  async function rename(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    try {
      await actions.renameList(list.id, textField(event.currentTarget, 'name'));
      setError(undefined);
      setRenaming(false);
    } catch (e) {
      setError(e);
    }
  }

  async function remove() {
    try {
      await actions.deleteList(list.id);
      onDeleted();
    } catch (e) {
      setError(e);
    }
  }

  const nameError = fieldError(error, 'name');
  return (
    <header className="list-header">
      {renaming ? (
        <form onSubmit={rename} className="inline-form rename" noValidate>
          <label className="visually-hidden" htmlFor="list-name">
            List name
          </label>
          <input
            id="list-name"
            name="name"
            defaultValue={list.name}
            autoFocus
            aria-invalid={!!nameError}
            onKeyDown={(e) => e.key === 'Escape' && setRenaming(false)}
          />
          <button type="submit" className="primary">
            Save
          </button>
          <button type="button" onClick={() => setRenaming(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <h2>
          <span className="dot" style={{ background: list.color }} aria-hidden />
          {list.name}
          {!owner && <span className="role">{list.role}</span>}
        </h2>
      )}
      {!!error && (
        <p className="error" role="alert">
          {nameError ?? messageOf(error)}
        </p>
      )}
      {!renaming && (
        <div className="list-actions">
          {canRename && (
            <button type="button" onClick={() => setRenaming(true)}>
              Rename
            </button>
          )}
          {!list.is_inbox && (
            <button type="button" aria-expanded={sharing} onClick={() => setSharing(!sharing)} disabled={!online}>
              {owner ? 'Share' : 'Members'}
            </button>
          )}
          {owner &&
            !list.is_inbox &&
            (confirmDelete ? (
              <>
                <button type="button" className="danger" onClick={remove}>
                  Delete “{list.name}” and its tasks
                </button>
                <button type="button" onClick={() => setConfirmDelete(false)}>
                  Keep it
                </button>
              </>
            ) : (
              <button type="button" onClick={() => setConfirmDelete(true)} disabled={!online}>
                Delete list
              </button>
            ))}
        </div>
      )}
      {sharing && online && <SharePanel list={list} actions={actions} syncTick={syncTick} onLeft={onDeleted} />}
    </header>
  );
}
