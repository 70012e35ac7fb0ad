// Child processes for stdio backends: spawning (vfork + exec, so that the child can ask for
// PR_SET_PDEATHSIG, which posix_spawn cannot), pidfd_open, and a non-blocking look at a
// child's exit. Between vfork and exec the child runs on our stack and shares our memory, so
// it makes only async-signal-safe calls. A child that gives up before exec reports why through
// a close-on-exec pipe (exec closes it: end of file means the exec happened), which also holds
// where vfork is really fork (ThreadSanitizer intercepts it) and memory is not shared.
#define _GNU_SOURCE
#include "CEdgeShims.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

/// The child's report when it gives up before exec: the step and errno, written to `fd`.
struct spawn_failure {
    int fd;
};

/// What the child needs, prepared by the parent so that the child only copies and calls.
struct child_plan {
    const char *file;
    char *const *argv;
    char *const *envp;
    const char *search_path;
    const char *cwd;
    int ends[3];
    pid_t parent;
};

/// Closes every descriptor from `lowest` up except `keep`.
static void close_from_except(int lowest, int keep);

/// Closes every descriptor from `lowest` up: close_range (Linux 5.9), else one close each up to
/// the descriptor limit.
static void close_from(int lowest) {
    if (syscall(SYS_close_range, (unsigned)lowest, ~0U, 0) == 0) return;
    struct rlimit limit;
    long highest = 65536;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) highest = (long)limit.rlim_cur;
    for (long fd = lowest; fd < highest; fd++) close((int)fd);
}

static void close_from_except(int lowest, int keep) {
    if (keep < lowest) { close_from(lowest); return; }
    if (keep > lowest && syscall(SYS_close_range, (unsigned)lowest, (unsigned)(keep - 1), 0) != 0) {
        for (int fd = lowest; fd < keep; fd++) close(fd);
    }
    close_from(keep + 1);
}

/// execve over the directories of `search_path` when `file` has no slash (execvp's rules:
/// EACCES wins over ENOENT, any other error stops the search). Returns errno.
static int exec_searching(const char *file, char *const argv[], char *const envp[], const char *search_path) {
    if (strchr(file, '/') != NULL) {
        execve(file, argv, envp);
        return errno;
    }
    const char *path = search_path != NULL ? search_path : "/usr/local/bin:/usr/bin:/bin";
    size_t file_length = strlen(file);
    char candidate[PATH_MAX];
    int denied = 0;
    const char *dir = path;
    for (;;) {
        const char *colon = strchr(dir, ':');
        size_t dir_length = colon != NULL ? (size_t)(colon - dir) : strlen(dir);
        if (dir_length + file_length + 3 <= sizeof candidate) {
            size_t n = 0;
            if (dir_length == 0) {
                candidate[n++] = '.';
            } else {
                memcpy(candidate, dir, dir_length);
                n = dir_length;
            }
            candidate[n++] = '/';
            memcpy(candidate + n, file, file_length + 1);
            execve(candidate, argv, envp);
            switch (errno) {
            case EACCES: denied = 1; break;
            case ENOENT: case ENOTDIR: case ESTALE: case ENODEV: case ETIMEDOUT: case ELOOP: case ENAMETOOLONG: break;
            default: return errno;
            }
        }
        if (colon == NULL) break;
        dir = colon + 1;
    }
    return denied ? EACCES : ENOENT;
}

static void __attribute__((noreturn)) give_up(struct spawn_failure *failure, int step, int error) {
    int record[2] = { step, error };
    ssize_t written;
    do { written = write(failure->fd, record, sizeof record); } while (written < 0 && errno == EINTR);
    _exit(127);
}

/// The child's side: runs with every signal blocked until just before exec.
static void __attribute__((noreturn, noinline)) run_child(const struct child_plan *plan, struct spawn_failure *failure) {
    // A handler of ours must never run here (it would run on the parent's stack), and the
    // program gets default dispositions, SIGPIPE included.
    struct sigaction standard;
    memset(&standard, 0, sizeof standard);
    standard.sa_handler = SIG_DFL;
    for (int sig = 1; sig < _NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &standard, NULL);
    }
    // Its own process group: signals reach what it starts too, and a terminal's ^C does not.
    if (setpgid(0, 0) != 0) give_up(failure, CEDGE_SPAWN_SETUP, errno);
    // Killed when the spawning thread ends (with the process or alone). If the parent died
    // before this call, the child has already been handed to another parent: stop here.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) give_up(failure, CEDGE_SPAWN_SETUP, errno);
    if (getppid() != plan->parent) _exit(127);
    // The parent moved the ends above 2, so no dup2 can overwrite another end.
    for (int i = 0; i < 3; i++) {
        if (dup2(plan->ends[i], i) < 0) give_up(failure, CEDGE_SPAWN_SETUP, errno);
    }
    close_from_except(3, failure->fd);
    if (plan->cwd != NULL && chdir(plan->cwd) != 0) give_up(failure, CEDGE_SPAWN_CHDIR, errno);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int error = exec_searching(plan->file, plan->argv, plan->envp, plan->search_path);
    give_up(failure, CEDGE_SPAWN_EXEC, error);
}

/// Moves `*fd` to a number above 2 (close-on-exec) if it is 0, 1 or 2.
static int lift_above_stdio(int *fd) {
    if (*fd > 2) return 0;
    int moved = fcntl(*fd, F_DUPFD_CLOEXEC, 3);
    if (moved < 0) return -1;
    close(*fd);
    *fd = moved;
    return 0;
}

static void close_pair(int pair[2]) {
    if (pair[0] >= 0) close(pair[0]);
    if (pair[1] >= 0) close(pair[1]);
}

pid_t cedge_spawn(const char *file, char *const argv[], char *const envp[], const char *search_path,
                  const char *cwd, int parent_ends[3], int *failed_step, int *failed_errno) {
    int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
        *failed_errno = errno;
        *failed_step = CEDGE_SPAWN_PIPE;
        close_pair(in); close_pair(out); close_pair(err);
        return -1;
    }
    struct child_plan plan = { file, argv, envp, search_path, cwd, { in[0], out[1], err[1] }, getpid() };
    int parents[3] = { in[1], out[0], err[0] };
    for (int i = 0; i < 3; i++) {
        if (lift_above_stdio(&plan.ends[i]) != 0 || fcntl(parents[i], F_SETFL, O_NONBLOCK) != 0) {
            *failed_errno = errno;
            *failed_step = CEDGE_SPAWN_PIPE;
            for (int j = 0; j < 3; j++) { close(plan.ends[j]); close(parents[j]); }
            return -1;
        }
    }

    int report[2] = {-1, -1};
    if (pipe2(report, O_CLOEXEC) != 0 || lift_above_stdio(&report[1]) != 0) {
        *failed_errno = errno;
        *failed_step = CEDGE_SPAWN_PIPE;
        close_pair(report);
        for (int j = 0; j < 3; j++) { close(plan.ends[j]); close(parents[j]); }
        return -1;
    }

    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    struct spawn_failure failure = { report[1] };
    pid_t pid = vfork();
    if (pid == 0) run_child(&plan, &failure);
    int fork_errno = errno;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);

    for (int i = 0; i < 3; i++) close(plan.ends[i]);
    close(report[1]);
    // End of file: the child's exec closed its copy. Eight bytes: it gave up, and says where.
    int record[2] = { 0, 0 };
    ssize_t got = 0;
    if (pid > 0) {
        do { got = read(report[0], record, sizeof record); } while (got < 0 && errno == EINTR);
    }
    close(report[0]);
    if (pid < 0 || got == (ssize_t)sizeof record) {
        *failed_step = pid < 0 ? CEDGE_SPAWN_FORK : record[0];
        *failed_errno = pid < 0 ? fork_errno : record[1];
        if (pid > 0) {
            while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
        }
        for (int i = 0; i < 3; i++) close(parents[i]);
        return -1;
    }
    for (int i = 0; i < 3; i++) parent_ends[i] = parents[i];
    return pid;
}

int cedge_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

int cedge_child_state(pid_t pid, int reap, int *status) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    int flags = WEXITED | WNOHANG | (reap ? 0 : WNOWAIT);
    int rc;
    do { rc = waitid(P_PID, (id_t)pid, &info, flags); } while (rc != 0 && errno == EINTR);
    if (rc != 0) return -1;
    if (info.si_pid == 0) return 0;
    *status = info.si_status;
    return info.si_code == CLD_EXITED ? 1 : 2;
}
