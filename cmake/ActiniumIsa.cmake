# Per-ISA compile flags. Each ISA's kernels live in their own translation unit compiled with
# exactly these flags; the rest of the library is built for baseline x86-64, and cpuid picks a
# table at run time (native/cpu/dispatch.cpp). Never the build machine's own -march: the binary must run on any
# x86-64 and still use AVX-512 where it exists.
set(ACTINIUM_ISA_FLAGS_scalar "")
set(ACTINIUM_ISA_FLAGS_avx2 -mavx2 -mfma -mf16c)
set(ACTINIUM_ISA_FLAGS_avx512 -mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512dq -mavx512vl)
set(ACTINIUM_ISA_FLAGS_avx512_bf16 ${ACTINIUM_ISA_FLAGS_avx512} -mavx512bf16)

# The ISAs built: avx512_bf16 needs a compiler that knows AVX512_BF16 (GCC 10, Clang 9); without
# one the library leaves it out (AK_NO_AVX512_BF16) and runs avx512 on such CPUs.
include(CheckCXXCompilerFlag)
check_cxx_compiler_flag(-mavx512bf16 ACTINIUM_COMPILER_HAS_AVX512_BF16)
set(ACTINIUM_CPU_ISAS scalar avx2 avx512)
if(ACTINIUM_COMPILER_HAS_AVX512_BF16)
  list(APPEND ACTINIUM_CPU_ISAS avx512_bf16)
else()
  message(STATUS "Actinium: ${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER_VERSION} lacks -mavx512bf16; "
                 "building without the avx512_bf16 kernels")
  add_compile_definitions(AK_NO_AVX512_BF16)
endif()
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
