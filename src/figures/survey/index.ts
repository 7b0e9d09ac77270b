export { lifelongFigure, peerFigure, sharedFigure } from './draw';
