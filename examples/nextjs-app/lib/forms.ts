/** A text input's value from a submitted form ('' when absent). */
export function textField(form: HTMLFormElement, name: string): string {
  const value = new FormData(form).get(name);
  return typeof value === 'string' ? value : '';
}
