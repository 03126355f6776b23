export { openDeviceSession, type DeviceSession, type DeviceSessionOptions, type OnnxDevice, type Skipped } from './device-session';
export { loadRuntime, wasmBlockedReason, wasmThreads, type Runtime, type RuntimeProgress } from './runtime';
export { requireWebGpuAdapter } from './device-probe';
export { createSequenceModel, type SequenceModel, type SequenceModelSource } from './sequence-model';
