import { EventEmitter } from 'node:events';

export type ProcessingEvent =
  | { type: 'status'; status: string; error?: { code: string; message: string } }
  | { type: 'progress'; progress: number };

/**
 * In-process notifications of a clip's transcode, for Server-Sent Events. Workers in another process do not
 * reach it, so listeners also poll the row; this only makes the common embedded case immediate.
 */
export class ProcessingEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  emit(videoId: string, event: ProcessingEvent): void {
    this.emitter.emit(videoId, event);
  }

  /** Returns the unsubscribe function. */
  subscribe(videoId: string, listener: (event: ProcessingEvent) => void): () => void {
    this.emitter.on(videoId, listener);
    return () => this.emitter.off(videoId, listener);
  }
}
