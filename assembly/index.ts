// The whole wasm ABI: pointers (byte offsets into this module's memory) and sizes cross it,
// nothing else. Memory above heap_base() belongs to the engine (src/engine/arena.ts).
// Names carry their element type: `_f32` is the fast path, `_f64` the precise path.

export { gemm_f32, gemm_f64, gemmWorkspaceBytes, gemm_configure, gemm_config } from './gemm';
// Activation codes as named globals: src/engine/net/kernels.ts's ACTIVATION_CODE is checked
// against them by name (test/engine/net/kernels.test.ts).
export { ACT_IDENTITY, ACT_RELU, ACT_TANH, ACT_SIGMOID, ACT_GELU } from './activations';
export {
  act_backward_f32, act_backward_f64,
  act_r_backward_f32, act_r_backward_f64, softmax_xent_f32, softmax_xent_f64,
  argmax_rows_f32, argmax_rows_f64, r_softmax_f32, r_softmax_f64,
  block_row_dots_f32, block_row_dots_f64, layer_grad_normsq_f32, layer_grad_normsq_f64,
} from './mlp';
export {
  colsum_f32_into_f64, colsum_f64_into_f64, dot_f32, dot_f64,
  axpy_f64, scale_f64, f64_to_f32, f32_to_f64, project_f64, combine_f64, combine_project_f64,
} from './vec';
export { rows_affine_f64, rows_transpose_axpy_f64 } from './margin';
export { ceiling_madd8_f32x4, ceiling_madd10_shuffle_f32x4, ceiling_madd12_f32x4 } from './bench';
export {
  symv_upper_f64, tridiag_column_f64, syr2k_upper_f64, gather_reflectors_f64, larft_neg_f64,
} from './eigen';
export {
  gelq2_rows_f64, symm_upper_rows_f64, band_from_upper_f64, sb2st_sweeps_f64, apply_band_q_rows_f64,
} from './band';

/** First byte the engine may use: everything below is the module's static data. */
export function heap_base(): usize {
  return (__heap_base + 15) & ~15;
}

/** 1 in the relaxed-SIMD build, 0 in the SIMD128 build. */
export function relaxed_build(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
}
