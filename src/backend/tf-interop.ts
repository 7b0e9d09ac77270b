/**
 * Typed seams between this project's kernels and tfjs's loosely declared kernel API, so no caller needs a
 * double cast: tfjs declares a kernel's backend as `{}` and its attributes as `NamedAttrMap` (numbers, strings,
 * booleans and arrays of them), while our kernels run against a `KernelBackend` and take typed index arrays.
 * Each helper checks at run time what the types promise.
 */
import * as tf from '@tensorflow/tfjs';

/** An attribute value our kernels take: one of tfjs's, or a typed index array (tfjs passes attrs through untouched). */
export type KernelAttrValue = tf.NamedAttrMap[string] | Int32Array | Float32Array;
/** Kernel attributes as our ops pass them to `runKernel`. */
export type KernelAttrs = { readonly [name: string]: KernelAttrValue };

/**
 * `tf.engine().runKernel` with our attribute types. tfjs hands `attrs` to the kernel function as they are; its
 * declared `NamedAttrMap` only lacks the typed arrays, so the one widening to it lives here.
 */
export function runKernel<T extends tf.Tensor | tf.Tensor[] = tf.Tensor>(name: string, inputs: tf.NamedTensorMap, attrs: KernelAttrs = {}): T {
  const tfAttrs: tf.NamedAttrMap = attrs as tf.NamedAttrMap;
  return tf.engine().runKernel<T>(name, inputs, tfAttrs);
}

/** A kernel function written against tfjs's `KernelBackend` (tfjs's `KernelFunc` declares the backend as `{}`). */
export type BackendKernelFunc = (params: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }) => tf.TensorInfo | tf.TensorInfo[];

/** The `tf.KernelFunc` of `kernel`: checks that tfjs called it with a real backend, then runs it. */
export function asKernelFunc(kernel: BackendKernelFunc): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    if (!(backend instanceof tf.KernelBackend)) throw new TypeError('moelab kernel: tfjs called it without a KernelBackend');
    return kernel({ inputs, backend, attrs });
  };
}

function attr(attrs: tf.NamedAttrMap | undefined, name: string): unknown {
  return attrs?.[name];
}

function attrError(name: string, want: string, got: unknown): TypeError {
  return new TypeError(`kernel attribute "${name}": expected ${want}, got ${Object.prototype.toString.call(got)}`);
}

/** The number attribute `name` of a kernel call; throws a TypeError naming it otherwise. */
export function numberAttr(attrs: tf.NamedAttrMap | undefined, name: string): number {
  const v = attr(attrs, name);
  if (typeof v !== 'number') throw attrError(name, 'a number', v);
  return v;
}

/** The boolean attribute `name` of a kernel call (absent = false). */
export function booleanAttr(attrs: tf.NamedAttrMap | undefined, name: string): boolean {
  const v = attr(attrs, name);
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw attrError(name, 'a boolean', v);
  return v;
}

/** The attribute `name` as a number or a list of numbers (axes, split sizes). */
export function numbersAttr(attrs: tf.NamedAttrMap | undefined, name: string): number | number[] {
  const v = attr(attrs, name);
  if (typeof v === 'number') return v;
  if (Array.isArray(v) && v.every((x): x is number => typeof x === 'number')) return v;
  throw attrError(name, 'a number or numbers', v);
}

/** The attribute `name` as a list of numbers (a permutation). */
export function numberListAttr(attrs: tf.NamedAttrMap | undefined, name: string): number[] {
  const v = attr(attrs, name);
  if (Array.isArray(v) && v.every((x): x is number => typeof x === 'number')) return v;
  throw attrError(name, 'a list of numbers', v);
}

/** The Int32Array attribute `name` (row indices our ops pass). */
export function int32ArrayAttr(attrs: tf.NamedAttrMap | undefined, name: string): Int32Array {
  const v = attr(attrs, name);
  if (!(v instanceof Int32Array)) throw attrError(name, 'an Int32Array', v);
  return v;
}
