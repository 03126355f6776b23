import type * as Ort from 'onnxruntime-web';
import { PocketRecError } from '../errors';
import { SEQUENCE_INPUT, SEQUENCE_MASK, SEQUENCE_OUTPUT, writeEmbedded } from '../sequence';
import type { Int8Rows, VectorKernel } from '../vector';
import { openDeviceSession, type DeviceSession, type OnnxDevice, type Skipped } from './device-session';

export interface SequenceModelSource {
  /** ONNX graph: `embedded` [batch, maxLen, dim] + `mask` [batch, maxLen] → `hidden` [batch, dim]. */
  model: Uint8Array;
  /** The item table, row i = catalogue item i, allocated by `kernel` (the graph holds no item rows). */
  table: Int8Rows;
  maxLen: number;
}

/** A trained next-item model on onnxruntime-web, over the visitor's own history (which never leaves the device). */
export interface SequenceModel {
  readonly device: OnnxDevice;
  readonly skipped: readonly Skipped[];
  /** Next-item scores of every catalogue item (higher is likelier) after `history`, catalogue indices oldest first. */
  score(history: readonly number[]): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/**
 * Opens the model with the same device order and fallback as the text encoder. The graph only encodes the history
 * into a hidden state; every item's logit (hidden · item row) is one int8 kernel scan over the table, so the graph's
 * cost does not grow with the catalogue.
 */
export async function createSequenceModel(source: SequenceModelSource, options: { ort: typeof Ort; devices: readonly OnnxDevice[]; kernel: VectorKernel }): Promise<SequenceModel> {
  const { ort, kernel } = options;
  const { table, maxLen } = source;
  const { dim } = table;
  const itemCount = table.scales.length;
  const run = async (session: Ort.InferenceSession, history: readonly number[]): Promise<Float32Array> => {
    const bad = history.findIndex((i) => !Number.isInteger(i) || i < 0 || i >= itemCount);
    if (bad >= 0) {
      throw new PocketRecError('invalid-option', `sequence model: history[${bad}] is ${history[bad]}, not a catalogue index below ${itemCount}.`, { details: { field: `history[${bad}]`, itemCount } });
    }
    // Per call: a second score() may fill its input while this one's run is still in flight.
    const embedded = new Float32Array(maxLen * dim);
    const mask = new Float32Array(maxLen);
    writeEmbedded(history, maxLen, table, embedded, mask);
    const result = await session.run({
      [SEQUENCE_INPUT]: new ort.Tensor('float32', embedded, [1, maxLen, dim]),
      [SEQUENCE_MASK]: new ort.Tensor('float32', mask, [1, maxLen]),
    });
    const out = result[SEQUENCE_OUTPUT]!;
    const hidden = (await out.getData()) as Float32Array;
    out.dispose();
    if (hidden.length !== dim) {
      throw new PocketRecError('model-invalid', `sequence model: the graph returned a hidden state of ${hidden.length} values, the item table has ${dim} dims. Rebuild the catalogue with \`pocketrec build\`.`, {
        details: { hidden: hidden.length, dim },
      });
    }
    return kernel.score(table, [{ vector: hidden, weight: 1 }]);
  };
  const device: DeviceSession = await openDeviceSession({ ort, model: source.model, devices: options.devices, warmUp: (session) => run(session, []) });
  return {
    get device() {
      return device.device;
    },
    skipped: device.skipped,
    score: (history) => device.use((session) => run(session, history)),
    dispose: () => device.release(),
  };
}
