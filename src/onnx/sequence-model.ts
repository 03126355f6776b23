import type * as Ort from 'onnxruntime-web';
import { SEQUENCE_INPUT, SEQUENCE_OUTPUT, writeInput } from '../sequence';
import { openDeviceSession, type DeviceSession, type OnnxDevice, type Skipped } from './device-session';

export interface SequenceModelSource {
  model: Uint8Array;
  itemCount: number;
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

/** Opens the model with the same device order and fallback as the text encoder. */
export async function createSequenceModel(source: SequenceModelSource, options: { ort: typeof Ort; devices: readonly OnnxDevice[] }): Promise<SequenceModel> {
  const { ort } = options;
  const run = async (session: Ort.InferenceSession, history: readonly number[]): Promise<Float32Array> => {
    const input = new BigInt64Array(source.maxLen);
    writeInput(history, source.maxLen, input);
    const result = await session.run({ [SEQUENCE_INPUT]: new ort.Tensor('int64', input, [1, source.maxLen]) });
    const out = result[SEQUENCE_OUTPUT]!;
    const scores = (await out.getData()) as Float32Array;
    out.dispose();
    if (scores.length !== source.itemCount) throw new Error(`the model scored ${scores.length} items, the catalogue has ${source.itemCount}`);
    return scores;
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
