/// <reference lib="webworker" />
import { expose } from 'comlink';
import { installErrorTransfer } from '../errors';
import { createEngine } from './engine';

installErrorTransfer();
expose(createEngine());
