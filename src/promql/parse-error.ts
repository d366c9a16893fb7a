// The one error PromQL parsing throws, worded and positioned as Prometheus's ParseErr
// (`1:5: parse error: unexpected end of input`), with the offset for editors.

/** Prometheus's `line:column` for an offset: 1-based line, 1-based column counted in UTF-8 bytes. */
export function positionText(input: string, pos: number): string {
  if (input === '') return 'unknown position';
  if (pos < 0 || pos > input.length) return 'invalid position';
  const before = input.slice(0, pos);
  const nl = before.lastIndexOf('\n');
  const line = before.split('\n').length;
  const col = Buffer.byteLength(before.slice(nl + 1), 'utf8') + 1;
  return `${line}:${col}`;
}

/** A PromQL syntax or type error. `message` is Prometheus's full text, `position` a 0-based offset. */
export class ParseError extends SyntaxError {
  readonly code = 'bad_data';
  readonly position: number;
  /** The message without the `line:col: parse error: ` prefix. */
  readonly detail: string;

  constructor(message: string, position: number, detail: string = message) {
    super(message);
    this.name = 'ParseError';
    this.position = position;
    this.detail = detail;
  }

  /** Builds the error for `detail` found at `pos` in `input`. */
  static at(input: string, pos: number, detail: string): ParseError {
    return new ParseError(`${positionText(input, pos)}: parse error: ${detail}`, pos, detail);
  }
}
