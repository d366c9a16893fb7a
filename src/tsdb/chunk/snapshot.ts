// Compact copies of chunk bytes carved from shared slabs, because a typed array above 64 bytes
// costs V8 an off-heap allocation (~2 µs measured, and some 200 bytes of bookkeeping) while a
// view on an existing ArrayBuffer costs ~50 ns. A slab is freed once no copy in it is referenced.
const SLAB_BYTES = 64 * 1024;
const MAX_SLAB_COPY = SLAB_BYTES / 8;

class Slabs {
  private slab = new ArrayBuffer(0);
  private used = 0;

  /** An uninitialised compact buffer of `n` bytes (usually inside a shared slab). */
  take(n: number): Uint8Array {
    if (n > MAX_SLAB_COPY) return new Uint8Array(n);
    if (this.used + n > this.slab.byteLength) {
      this.slab = new ArrayBuffer(SLAB_BYTES);
      this.used = 0;
    }
    const out = new Uint8Array(this.slab, this.used, n);
    this.used += n;
    return out;
  }
}

// Two sets of slabs: copies handed to readers live briefly, closed head chunks for hours, and a
// long-lived chunk in a slab of short-lived copies would keep the whole slab alive.
const shortLived = new Slabs();
const longLived = new Slabs();

/** A compact buffer of `n` bytes for a copy that lives briefly (a snapshot for a reader). */
export function takeShortLived(n: number): Uint8Array {
  return shortLived.take(n);
}

/** A compact buffer of `n` bytes for a copy kept long (a closed head chunk). */
export function takeLongLived(n: number): Uint8Array {
  return longLived.take(n);
}

/** A compact, independent copy of `src` that lives briefly. */
export function snapshot(src: Uint8Array): Uint8Array {
  const out = takeShortLived(src.length);
  out.set(src);
  return out;
}
