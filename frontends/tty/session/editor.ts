// The input line's text and cursor, changed by keypresses (node's readline keypress names). No drawing here.

export interface Key { name?: string; ctrl?: boolean; meta?: boolean; sequence?: string }
export type KeyAction = 'submit' | 'interrupt' | 'tab' | 'changed' | 'none';

const HISTORY = 100;

export class LineEditor {
  text = '';
  cursor = 0;
  private history: string[] = [];
  private back = -1;

  /** Applies one key; says what the screen has to do. */
  key(str: string | undefined, key: Key = {}): KeyAction {
    if (key.ctrl && key.name === 'c') return 'interrupt';
    if (key.ctrl && key.name === 'd') return this.text ? this.del() : 'interrupt';
    switch (key.ctrl ? `C-${key.name}` : key.meta ? `M-${key.name}` : key.name) {
      case 'return': case 'enter': return 'submit';
      case 'tab': return 'tab';
      case 'backspace': case 'C-h': return this.edit(this.text.slice(0, Math.max(0, this.cursor - 1)) + this.text.slice(this.cursor), this.cursor - 1);
      case 'delete': return this.del();
      case 'left': case 'C-b': return this.move(this.cursor - 1);
      case 'right': case 'C-f': return this.move(this.cursor + 1);
      case 'home': case 'C-a': return this.move(0);
      case 'end': case 'C-e': return this.move(this.text.length);
      case 'C-u': return this.edit(this.text.slice(this.cursor), 0);
      case 'C-k': return this.edit(this.text.slice(0, this.cursor), this.cursor);
      case 'C-w': case 'M-backspace': {
        const start = this.text.slice(0, this.cursor).replace(/\S+\s*$/, '').length;
        return this.edit(this.text.slice(0, start) + this.text.slice(this.cursor), start);
      }
      case 'up': return this.recall(1);
      case 'down': return this.recall(-1);
      default: break;
    }
    if (key.ctrl || key.meta || !str) return 'none';
    // Printable characters only: a pasted escape sequence or control character never reaches the text.
    const clean = str.replace(/[\x00-\x1f\x7f-\x9f]/g, '');
    if (!clean) return 'none';
    return this.edit(this.text.slice(0, this.cursor) + clean + this.text.slice(this.cursor), this.cursor + clean.length);
  }

  /** The line as submitted; the editor is emptied and the line kept for up-arrow. */
  take(): string {
    const t = this.text;
    if (t.trim()) { this.history.unshift(t); this.history.length = Math.min(this.history.length, HISTORY); }
    this.back = -1;
    this.text = '';
    this.cursor = 0;
    return t;
  }

  private del(): KeyAction { return this.edit(this.text.slice(0, this.cursor) + this.text.slice(this.cursor + 1), this.cursor); }

  private edit(text: string, cursor: number): KeyAction {
    this.text = text;
    return this.move(cursor);
  }

  private move(cursor: number): KeyAction {
    this.cursor = Math.max(0, Math.min(this.text.length, cursor));
    return 'changed';
  }

  private recall(step: number): KeyAction {
    const i = Math.max(-1, Math.min(this.history.length - 1, this.back + step));
    if (i === this.back) return 'none';
    this.back = i;
    return this.edit(i < 0 ? '' : this.history[i], Infinity);
  }
}
