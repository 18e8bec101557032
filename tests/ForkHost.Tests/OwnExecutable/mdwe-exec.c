/*
 * mdwe-exec PROGRAM [ARG...]: runs PROGRAM with the kernel's memory-deny-write-execute restriction (Linux 6.3+),
 * as systemd's MemoryDenyWriteExecute=yes does where the kernel has it. The process may then never map memory that is
 * writable and executable, nor make a mapping executable that was not: what a JIT needs, what a NativeAOT binary does
 * not. The flag is kept across execve(2) and inherited by every child, so a supervisor's workers run under it too.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#ifndef PR_SET_MDWE
#define PR_SET_MDWE 65
#endif
#ifndef PR_MDWE_REFUSE_EXEC_GAIN
#define PR_MDWE_REFUSE_EXEC_GAIN 1UL
#endif

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: mdwe-exec PROGRAM [ARG...]\n");
        return 2;
    }
    if (prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0L, 0L, 0L) != 0) {
        fprintf(stderr, "mdwe-exec: prctl(PR_SET_MDWE): %s\n", strerror(errno));
        return 127;
    }
    execv(argv[1], argv + 1);
    fprintf(stderr, "mdwe-exec: %s: %s\n", argv[1], strerror(errno));
    return 127;
}
