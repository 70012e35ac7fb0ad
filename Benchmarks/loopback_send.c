// Kernel CPU a sender pays per MiB on loopback TCP: one send per 16 KiB (one TLS record or
// DATA frame each, TCP_NODELAY) against the same sends corked four at a time (TCP_CORK on,
// four sends, TCP_CORK off), which is what mcp-edge does for bulk batches.
//   cc -O2 -o /tmp/loopback_send Benchmarks/loopback_send.c && /tmp/loopback_send 2000
// Prints the sender's CPU per MiB for each, alternating, and the medians of 7 rounds.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

enum { RECORD = 16384, MIB = 1 << 20 };

static double cpu_us(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e6 + u.ru_utime.tv_usec + u.ru_stime.tv_usec;
}

static void send_all(int fd, const char *data, size_t count) {
    while (count > 0) {
        ssize_t n = send(fd, data, count, 0);
        if (n <= 0) { perror("send"); exit(1); }
        data += n;
        count -= (size_t)n;
    }
}

// Sends `mib` MiB in 16 KiB sends; with `corked`, TCP_CORK wraps each group of four.
static double run(int mib, int corked) {
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    if (bind(listener, (struct sockaddr *)&addr, len) || listen(listener, 1) ||
        getsockname(listener, (struct sockaddr *)&addr, &len)) { perror("listen"); exit(1); }
    pid_t reader = fork();
    if (reader == 0) {  // a fast reader, like h2load
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(fd, (struct sockaddr *)&addr, len)) _exit(1);
        static char sink[1 << 18];
        while (read(fd, sink, sizeof sink) > 0) {}
        _exit(0);
    }
    int fd = accept(listener, NULL, NULL), one = 1, zero = 0;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char *record = malloc(RECORD);
    memset(record, 'x', RECORD);
    double start = cpu_us();
    for (int m = 0; m < mib; m++) {
        for (int i = 0; i < MIB / RECORD; i++) {
            if (corked && i % 4 == 0) setsockopt(fd, IPPROTO_TCP, TCP_CORK, &one, sizeof one);
            send_all(fd, record, RECORD);
            if (corked && i % 4 == 3) setsockopt(fd, IPPROTO_TCP, TCP_CORK, &zero, sizeof zero);
        }
    }
    double spent = cpu_us() - start;
    close(fd);
    close(listener);
    waitpid(reader, NULL, 0);
    free(record);
    return spent / mib;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    int mib = argc > 1 ? atoi(argv[1]) : 2000;
    enum { ROUNDS = 7 };
    double plain[ROUNDS], corked[ROUNDS];
    for (int round = 0; round < ROUNDS; round++) {  // alternate, so both see the same noise
        plain[round] = run(mib, 0);
        corked[round] = run(mib, 1);
        printf("round %d: 16 KiB sends %.0f us/MiB, corked by four %.0f us/MiB\n",
               round + 1, plain[round], corked[round]);
    }
    qsort(plain, ROUNDS, sizeof plain[0], by_value);
    qsort(corked, ROUNDS, sizeof corked[0], by_value);
    printf("median: 16 KiB sends %.0f us/MiB, corked by four %.0f us/MiB (%.2fx)\n",
           plain[ROUNDS / 2], corked[ROUNDS / 2], corked[ROUNDS / 2] / plain[ROUNDS / 2]);
    return 0;
}
