// window.__pixelgym: what the page has received and drawn, for tests and for curious people.
import type { StepMessage, ViewerMode } from '../server/protocol.js';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ViewerStatus {
  connected: boolean;
  mode: ViewerMode | null;
  /** Binary frames received and decoded. */
  framesReceived: number;
  /** Steps drawn on the canvas (with or without a pixel frame). */
  framesDrawn: number;
  stepsReceived: number;
  overlaysDrawn: number;
  /** The seq of the frame the last overlay drawn explains, and whether overlays are shown (checkbox, key O). */
  overlaySeq: number;
  overlayShown: boolean;
  /** Server messages the page could not read (logged to the console). */
  ignoredMessages: number;
  paused: boolean;
  stepsPerSecond: number | null;
  /** The last step drawn, without its scene. */
  lastStep: Omit<StepMessage, 'scene'> | null;
  lastFrameSeq: number;
  /** Size of the last pixel frame, and where it is drawn on the canvas (canvas pixels). */
  frameSize: { width: number; height: number } | null;
  frameRect: Rect | null;
  sceneRect: Rect | null;
  /** Shapes of the last scene drawn, by kind, with their positions in scene units. */
  sceneShapes: { type: string; kind: string | null; x: number; y: number }[];
  /** Milliseconds the last step took to draw (texture upload, scene, panel, render), and their running mean. */
  lastDrawMs: number;
  meanDrawMs: number;
  episodesFinished: number;
  curvePoints: number;
  errors: string[];
}

export function createStatus(): ViewerStatus {
  return {
    connected: false,
    mode: null,
    framesReceived: 0,
    framesDrawn: 0,
    stepsReceived: 0,
    overlaysDrawn: 0,
    overlaySeq: 0,
    overlayShown: true,
    ignoredMessages: 0,
    paused: false,
    stepsPerSecond: null,
    lastStep: null,
    lastFrameSeq: 0,
    frameSize: null,
    frameRect: null,
    sceneRect: null,
    sceneShapes: [],
    lastDrawMs: 0,
    meanDrawMs: 0,
    episodesFinished: 0,
    curvePoints: 0,
    errors: [],
  };
}

declare global {
  interface Window {
    __pixelgym: ViewerStatus;
  }
}
