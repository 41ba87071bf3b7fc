# Per-ISA compile flags. Each ISA's kernels live in their own translation unit compiled with
# exactly these flags; the rest of the library is built for baseline x86-64, and cpuid picks a
# table at run time (native/cpu/dispatch.cpp). Never the build machine's own -march: the binary must run on any
# x86-64 and still use AVX-512 where it exists.
set(ACTINIUM_ISA_FLAGS_scalar "")
set(ACTINIUM_ISA_FLAGS_avx2 -mavx2 -mfma -mf16c)
set(ACTINIUM_ISA_FLAGS_avx512 -mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512dq -mavx512vl)
set(ACTINIUM_ISA_FLAGS_avx512_bf16 ${ACTINIUM_ISA_FLAGS_avx512} -mavx512bf16)
# GCC before 13 warns on the self-initialised __Y of _mm512_undefined_ps inside its own
# avx512fintrin.h (GCC bug 105593), once per intrinsic use: silence that, in that unit only.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  list(APPEND ACTINIUM_ISA_FLAGS_avx512 -Wno-maybe-uninitialized -Wno-uninitialized)
  list(APPEND ACTINIUM_ISA_FLAGS_avx512_bf16 -Wno-maybe-uninitialized -Wno-uninitialized)
endif()

function(actinium_isa_source target isa source)
  target_sources(${target} PRIVATE ${source})
  set_source_files_properties(${source} TARGET_DIRECTORY ${target}
    PROPERTIES COMPILE_OPTIONS "${ACTINIUM_ISA_FLAGS_${isa}}")
endfunction()
