// Undoes chunked transfer coding (RFC 9112 section 7.1) incrementally: bytes arrive in any
// split, data comes out as slices of the input (no copy). Chunk extensions are skipped, trailer
// fields read and dropped. Size lines and trailers are bounded so a client cannot make the
// server buffer without limit.

/** Malformed chunked framing: answered 400 and the connection closed. */
export class ChunkedError extends Error {}

const MAX_LINE = 4096; // a size line with extensions, or one trailer line
const MAX_TRAILERS = 16 * 1024;
/**
 * Extension bytes over all chunks of a body (Node's bound too, CVE-2024-22019). Not only for the
 * work of reading them: body bytes are held as slices of the wire buffers, so tiny chunks with
 * long extensions would make a few KiB of held body keep megabytes of wire alive.
 */
const MAX_EXTENSIONS = 16 * 1024;

const enum State {
  Size,
  Ext,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  Trailer,
  TrailerLf,
  Done,
}

export class ChunkedDecoder {
  private state = State.Size;
  private size = 0;
  private digits = 0;
  private lineBytes = 0;
  private trailerBytes = 0;
  private extBytes = 0;
  /** Bytes in the current trailer line (0: the empty line that ends the body). */
  private trailerLine = 0;

  get done(): boolean {
    return this.state === State.Done;
  }

  /**
   * Decodes `buf[start, end)`, calling `onData` for each run of body bytes. Returns the index
   * where decoding stopped: `end`, or the first byte after the body once it is complete (the
   * next pipelined request starts there). Throws ChunkedError on malformed framing.
   */
  feed(buf: Buffer, start: number, end: number, onData: (data: Buffer) => void): number {
    let i = start;
    while (i < end) {
      switch (this.state) {
        case State.Size: {
          const c = buf[i]!;
          const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
          if (d >= 0) {
            if (++this.digits > 13) throw new ChunkedError('chunk size is too large');
            this.size = this.size * 16 + d;
            i++;
            break;
          }
          if (this.digits === 0) throw new ChunkedError('chunk size expected');
          if (c === 0x0d) this.state = State.SizeLf;
          else if (c === 0x3b || c === 0x20 || c === 0x09) this.state = State.Ext;
          else throw new ChunkedError('malformed chunk size line');
          this.lineBytes = this.digits;
          i++;
          break;
        }
        case State.Ext: {
          const c = buf[i++]!;
          if (++this.lineBytes > MAX_LINE) throw new ChunkedError('chunk extension is too long');
          if (++this.extBytes > MAX_EXTENSIONS) throw new ChunkedError('chunk extensions are too long');
          if (c === 0x0d) this.state = State.SizeLf;
          else if (c === 0x0a || c === 0x00) throw new ChunkedError('malformed chunk extension');
          break;
        }
        case State.SizeLf: {
          if (buf[i++] !== 0x0a) throw new ChunkedError('chunk size line does not end in CRLF');
          if (this.size === 0) {
            this.state = State.Trailer;
            this.trailerLine = 0;
          } else this.state = State.Data;
          break;
        }
        case State.Data: {
          const n = Math.min(this.size, end - i);
          onData(buf.subarray(i, i + n));
          i += n;
          this.size -= n;
          if (this.size === 0) this.state = State.DataCr;
          break;
        }
        case State.DataCr:
          if (buf[i++] !== 0x0d) throw new ChunkedError('chunk data does not end in CRLF');
          this.state = State.DataLf;
          break;
        case State.DataLf:
          if (buf[i++] !== 0x0a) throw new ChunkedError('chunk data does not end in CRLF');
          this.state = State.Size;
          this.size = 0;
          this.digits = 0;
          break;
        case State.Trailer: {
          const c = buf[i++]!;
          if (c === 0x0d) {
            this.state = State.TrailerLf;
            break;
          }
          if (c === 0x0a || c === 0x00) throw new ChunkedError('malformed trailer');
          this.trailerLine++;
          if (++this.trailerBytes > MAX_TRAILERS) throw new ChunkedError('trailer fields are too long');
          break;
        }
        case State.TrailerLf: {
          if (buf[i++] !== 0x0a) throw new ChunkedError('trailer line does not end in CRLF');
          if (this.trailerLine === 0) {
            this.state = State.Done;
            return i;
          }
          this.trailerLine = 0;
          this.state = State.Trailer;
          break;
        }
        case State.Done:
          return i;
      }
    }
    return i;
  }
}
