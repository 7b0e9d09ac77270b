/** Chinchilla view: the IsoFLOP drawing. */
export * from './draw';
