/** Marker file of a directory output: which instance wrote it and the files it wrote (relative, sorted). */
export const OUTPUT_MARKER = '.moelab-output.json';
