/*
 * fuzz.h: what the fuzz harnesses share.  Each fuzz_NAME.c is one
 * harness: LLVMFuzzerTestOneInput() feeds one input to one parser of
 * outside bytes and to what the daemon does with the result, and aborts
 * on anything the parser must never produce.  Built with libFuzzer
 * (configure --enable-fuzz, make fuzz) it is a fuzzer; built with main.c
 * it replays the files and directories named on its command line, which
 * is how make check runs the corpora in corpus/NAME/ under the normal
 * build and under the sanitizers.
 */
#ifndef EPHEMD_FUZZ_H
#define EPHEMD_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "live.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* An anonymous file holding the bytes, at offset 0; its path for fopen. */
int	 fuzz_memfd(const uint8_t *, size_t);
const char *fuzz_fd_path(int);
/* A copy of the bytes in a buffer of their exact size, aligned (free it). */
void	*fuzz_copy(const uint8_t *, size_t);
/*
 * A file of checksummed records (record.c) from an input: its first byte
 * says how.  Bit 0 clear, the rest is the file as it is; set, the rest
 * is the file's lines without their checksums, and each line after the
 * first gets " ~" and its CRC-32, so that the fuzzer reaches the parsers
 * behind the checksum.  An anonymous file, as fuzz_memfd; -1 when empty.
 */
int	 fuzz_record_file(const uint8_t *, size_t);
/* A directory of the fuzzer's own, made once, for files written whole. */
const char *fuzz_dir(void);
/* A file's contents, NUL-terminated (free it); NULL when unreadable. */
char	*fuzz_slurp(const char *, size_t *);
/*
 * What a writer (quar_save, state_save) returned rc for just wrote to
 * path, NUL-terminated (free it); rc -1 stops the fuzzer with err.
 */
char	*fuzz_saved(int, const char *, const char *, size_t *);
/*
 * save(load(save)) is save: the bytes a file was saved as, and saved as
 * again after loading them, must be the same ("what loads back as
 * saved").  Frees both.
 */
void	 fuzz_same_saves(const char *, char *, size_t, char *, size_t);
/* /dev/null, for the reports and messages nobody reads. */
FILE	*fuzz_null(void);
/*
 * The defaults but small tables (a fuzzer runs thousands of inputs a
 * second; the eviction paths are reached sooner) and no learning period,
 * so that the detectors judge.
 */
struct conf *fuzz_conf(void);
/* A property every input must keep: abort, so that the fuzzer stops. */
#define fuzz_assert(e)	((e) ? (void)0 : fuzz_fail(__FILE__, __LINE__, #e))
void	 fuzz_fail(const char *, int, const char *)
	    __attribute__((noreturn));

#endif /* EPHEMD_FUZZ_H */
