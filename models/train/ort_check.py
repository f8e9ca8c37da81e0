"""Development check: run an ONNX graph in the ONNX Runtime native library (libonnxruntime.so, the
same build the C# side uses: the NuGet natives the build copies to artifacts/cli/runtimes/linux-x64/native/,
so run ./lurestream --help once first) through ctypes, with no Python onnxruntime package.
OrtApi slots used (stable ABI, ORT only appends): 2 GetErrorMessage, 3 CreateEnv, 7 CreateSession,
9 Run, 10 CreateSessionOptions, 24 SetIntraOpNumThreads, 49 CreateTensorWithDataAsOrtValue,
51 GetTensorMutableData, 61 GetDimensionsCount, 62 GetDimensions, 65 GetTensorTypeAndShape,
69 CreateCpuMemoryInfo, 92..96 Release{Env,Status,MemoryInfo,Session,Value}, 99 ReleaseTensorTypeAndShapeInfo,
100 ReleaseSessionOptions."""
import ctypes as C
import os

import numpy as np

DEFAULT_LIB = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                           "artifacts", "cli", "runtimes", "linux-x64", "native", "libonnxruntime.so")
_ELEM = {np.dtype(np.float32): 1, np.dtype(np.uint8): 2, np.dtype(np.int64): 7}
_NP = {1: np.float32, 2: np.uint8, 7: np.int64}
P = C.c_void_p


class Ort:
    def __init__(self, lib=DEFAULT_LIB, threads=2):
        if not os.path.isfile(lib):
            raise FileNotFoundError(lib)
        self.lib = C.CDLL(lib)
        self.lib.OrtGetApiBase.restype = C.POINTER(P * 2)
        base = self.lib.OrtGetApiBase().contents
        get_api = C.CFUNCTYPE(P, C.c_uint32)(base[0])
        api = None
        for v in range(22, 10, -1):
            api = get_api(v)
            if api:
                break
        self.tbl = C.cast(api, C.POINTER(P * 101)).contents
        self.env = P()
        self._call(3, [C.c_int, C.c_char_p, C.POINTER(P)], 3, b"check", C.byref(self.env))
        self.mem = P()
        self._call(69, [C.c_int, C.c_int, C.POINTER(P)], 1, 0, C.byref(self.mem))
        self.threads = threads

    def _fn(self, idx, argtypes, restype=P):
        return C.CFUNCTYPE(restype, *argtypes)(self.tbl[idx])

    def _call(self, idx, argtypes, *args):
        st = self._fn(idx, argtypes)(*args)
        if st:
            msg = self._fn(2, [P], C.c_char_p)(st)
            self._fn(93, [P], None)(st)
            raise RuntimeError(f"ORT: {msg.decode()}")

    def run(self, model_path, inputs, output_names):
        """One-shot: open a session, run it once, release it."""
        sess = self.open(model_path)
        try:
            return self.run_session(sess, inputs, output_names)
        finally:
            self.close(sess)

    def open(self, model_path):
        """A session kept open for repeated runs (timing, many inputs); release it with close()."""
        so = P()
        self._call(10, [C.POINTER(P)], C.byref(so))
        self._call(24, [P, C.c_int], so, self.threads)
        sess = P()
        try:
            self._call(7, [P, C.c_char_p, P, C.POINTER(P)], self.env, model_path.encode(), so, C.byref(sess))
        finally:
            self._fn(100, [P], None)(so)
        return sess

    def close(self, sess):
        self._fn(95, [P], None)(sess)

    def run_session(self, sess, inputs, output_names):
        keep, vals = [], []
        for name, arr in inputs.items():
            arr = np.ascontiguousarray(arr)
            keep.append(arr)
            shape = (C.c_int64 * arr.ndim)(*arr.shape)
            v = P()
            self._call(49, [P, P, C.c_size_t, C.POINTER(C.c_int64), C.c_size_t, C.c_int, C.POINTER(P)],
                       self.mem, arr.ctypes.data, arr.nbytes, shape, arr.ndim, _ELEM[arr.dtype], C.byref(v))
            vals.append(v)
        in_names = (C.c_char_p * len(inputs))(*[n.encode() for n in inputs])
        in_vals = (P * len(vals))(*vals)
        out_names = (C.c_char_p * len(output_names))(*[n.encode() for n in output_names])
        outs = (P * len(output_names))()
        self._call(9, [P, P, P, P, C.c_size_t, P, C.c_size_t, P], sess, None, in_names, in_vals, len(vals),
                   out_names, len(output_names), outs)
        res = {}
        for name, v in zip(output_names, outs):
            info = P()
            self._call(65, [P, C.POINTER(P)], v, C.byref(info))
            n = C.c_size_t()
            self._call(61, [P, C.POINTER(C.c_size_t)], info, C.byref(n))
            dims = (C.c_int64 * n.value)()
            self._call(62, [P, C.POINTER(C.c_int64), C.c_size_t], info, dims, n.value)
            et = C.c_int()
            self._call(60, [P, C.POINTER(C.c_int)], info, C.byref(et))  # GetTensorElementType
            self._fn(99, [P], None)(info)
            data = P()
            self._call(51, [P, C.POINTER(P)], v, C.byref(data))
            dt = np.dtype(_NP[et.value])
            shape = tuple(dims)
            cnt = int(np.prod(shape)) if shape else 1
            buf = (C.c_uint8 * (cnt * dt.itemsize)).from_address(data.value)
            res[name] = np.frombuffer(bytes(buf), dtype=dt).reshape(shape).copy()
            self._fn(96, [P], None)(v)
        for v in vals:
            self._fn(96, [P], None)(v)
        return res
