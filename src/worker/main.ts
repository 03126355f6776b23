/// <reference lib="webworker" />
import { expose } from 'comlink';
import { installErrorTransfer } from '../rpc';
import { createEngine } from './engine';

installErrorTransfer();
expose(createEngine());
