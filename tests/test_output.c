/*
 * test_output.c -- the output writer every file of libmtl goes through
 * (mtl_output_*, used by mtl_model_save, mtl_dataset_write_text, ...):
 * issue 18, D1 and D11.  Every reproducer is made here, in a fresh
 * directory:
 *  - a symlink planted at the old predictable temporary name
 *    ("<path>.tmp.<pid>") is not followed: the victim keeps its content;
 *  - a symlink output writes its target and stays a link;
 *  - a 0600 file stays 0600 (and 0640 stays 0640) when rewritten, and
 *    (as root) another user's file stays that user's;
 *  - /dev/full fails (ENOSPC named) and stays a character device;
 *  - a FIFO is written directly (read back by a child process);
 *  - a directory is refused; a failed write leaves the old file intact;
 *  - mtl_output_remove_temps removes the live temporary file;
 *  - no temporary file is left in the directory after any of these.
 */
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[256];

static const char *at(const char *name) {
  static char buf[4][512];
  static int k;
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
  return buf[k];
}

static void put(const char *path, const char *s) {
  FILE *f = fopen(path, "w");
  if (f) {
    fputs(s, f);
    fclose(f);
  }
}

static int has(const char *path, const char *s) {
  char buf[256] = {0};
  FILE *f = fopen(path, "r");
  if (!f)
    return 0;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  return strcmp(buf, s) == 0;
}

/* Writes s to path through mtl_output; returns the commit's code. */
static int write_str(const char *path, const char *s) {
  mtl_output *o;
  int rc = mtl_output_open(path, "test", &o);
  if (rc < 0)
    return rc;
  fputs(s, mtl_output_stream(o));
  return mtl_output_commit(o);
}

/* Number of names in dir that contain ".tmp". */
static int count_temps(void) {
  DIR *d = opendir(dir);
  int n = 0;
  struct dirent *e;
  while (d && (e = readdir(d)))
    n += strstr(e->d_name, ".tmp") != NULL;
  if (d)
    closedir(d);
  return n;
}

static void test_planted_and_links(void) {
  /* D1: the old writer opened "<path>.tmp.<pid>" with fopen, following a
   * symlink planted there. */
  put(at("victim"), "victim\n");
  char planted[512];
  snprintf(planted, sizeof planted, "%s.tmp.%ld", at("out.txt"),
           (long)getpid());
  CHECK(symlink(at("victim"), planted) == 0);
  CHECK_OK(write_str(at("out.txt"), "new\n"));
  CHECK(has(at("victim"), "victim\n"));
  CHECK(has(at("out.txt"), "new\n"));
  unlink(planted);

  /* A symlink output: the target is written, the link stays. */
  put(at("real.txt"), "old\n");
  CHECK(symlink("real.txt", at("link.txt")) == 0);
  CHECK_OK(write_str(at("link.txt"), "through the link\n"));
  struct stat st;
  CHECK(lstat(at("link.txt"), &st) == 0 && S_ISLNK(st.st_mode));
  CHECK(has(at("real.txt"), "through the link\n"));
  /* A dangling link is refused, and nothing is created. */
  CHECK(symlink("nowhere.txt", at("dangling.txt")) == 0);
  CHECK_ERR(write_str(at("dangling.txt"), "x"), MTL_EIO);
  CHECK_MSG("symbolic link");
  CHECK(access(at("nowhere.txt"), F_OK) != 0);
}

static void test_modes(void) {
  static const mode_t modes[] = {0600, 0640, 0755};
  for (int i = 0; i < 3; i++) {
    put(at("mode.txt"), "old\n");
    CHECK(chmod(at("mode.txt"), modes[i]) == 0);
    CHECK_OK(write_str(at("mode.txt"), "new\n"));
    struct stat st;
    CHECK(stat(at("mode.txt"), &st) == 0);
    if ((st.st_mode & 0777) != modes[i]) {
      fprintf(stderr, "mode %o became %o\n", (unsigned)modes[i],
              (unsigned)(st.st_mode & 0777));
      CHECK(0);
    }
    CHECK(has(at("mode.txt"), "new\n"));
  }
  /* As root, a file of another user stays that user's (as a write in
   * place would leave it). */
  if (geteuid() == 0) {
    put(at("owned.txt"), "old\n");
    CHECK(chown(at("owned.txt"), 65534, 65534) == 0);
    CHECK(chmod(at("owned.txt"), 0640) == 0);
    CHECK_OK(write_str(at("owned.txt"), "new\n"));
    struct stat st;
    CHECK(stat(at("owned.txt"), &st) == 0 && st.st_uid == 65534 &&
          st.st_gid == 65534 && (st.st_mode & 0777) == 0640);
  }
}

static void test_devices(void) {
  struct stat st;
  if (stat("/dev/full", &st) == 0 && S_ISCHR(st.st_mode)) {
    CHECK_ERR(write_str("/dev/full", "data\n"), MTL_EIO);
    CHECK_MSG("No space left");
    CHECK(stat("/dev/full", &st) == 0 && S_ISCHR(st.st_mode));
    /* Through a library writer too: the dataset writer on /dev/full. */
    mtl_dataset *ds = mtl_dataset_create(2);
    double x[2] = {1, 2}, y = 1;
    CHECK(ds && mtl_dataset_add_dense(ds, 1, x, &y, MTL_TASK_REGRESSION,
                                      "t") >= 0);
    CHECK_ERR(mtl_dataset_write_text(ds, "/dev/full"), MTL_EIO);
    CHECK_MSG("/dev/full");
    CHECK(stat("/dev/full", &st) == 0 && S_ISCHR(st.st_mode));
    CHECK_OK(mtl_dataset_write_text(ds, "/dev/null"));
    CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode));
    mtl_dataset_free(ds);
  }
  /* A FIFO is written directly: a child reads it back. */
  CHECK(mkfifo(at("fifo"), 0600) == 0);
  pid_t pid = fork();
  if (pid == 0) {
    char buf[64] = {0};
    int fd = open(at("fifo"), O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    _exit(n == 9 && strcmp(buf, "via fifo\n") == 0 ? 0 : 1);
  }
  CHECK_OK(write_str(at("fifo"), "via fifo\n"));
  int status = -1;
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CHECK(stat(at("fifo"), &st) == 0 && S_ISFIFO(st.st_mode));
  /* A directory is refused. */
  CHECK(mkdir(at("sub"), 0700) == 0);
  CHECK_ERR(write_str(at("sub"), "x"), MTL_EIO);
  CHECK_MSG("directory");
}

static void test_abort_and_signal_cleanup(void) {
  put(at("keep.txt"), "keep\n");
  mtl_output *o;
  CHECK_OK(mtl_output_open(at("keep.txt"), "test", &o));
  fputs("half", mtl_output_stream(o));
  CHECK(count_temps() == 1);
  mtl_output_abort(o);
  CHECK(has(at("keep.txt"), "keep\n"));
  CHECK(count_temps() == 0);
  /* What a signal handler does: the live temporary file goes. */
  CHECK_OK(mtl_output_open(at("keep.txt"), "test", &o));
  fputs("half", mtl_output_stream(o));
  fflush(mtl_output_stream(o));
  CHECK(count_temps() == 1);
  mtl_output_remove_temps();
  CHECK(count_temps() == 0);
  mtl_output_abort(o);
  CHECK(has(at("keep.txt"), "keep\n"));
  mtl_output_abort(NULL);
  CHECK_ERR(mtl_output_open("", "test", &o), MTL_EINVAL);
}

/* A writer killed mid-write (SIGKILL: no handler runs) leaves its temp
 * file; the next write of the same output removes it, but not the temp
 * file of a writer that is still alive, nor other names. */
static void test_stale_temps(void) {
  pid_t dead = fork();
  if (dead == 0)
    _exit(0);
  waitpid(dead, NULL, 0); /* its pid is now free: a dead writer's */
  char stale[600], live[600], other[600];
  snprintf(stale, sizeof stale, "%s.tmp.%ld.0123456789abcdef", at("st.out"),
           (long)dead);
  snprintf(live, sizeof live, "%s.tmp.%ld.fedcba9876543210", at("st.out"),
           (long)getpid());
  snprintf(other, sizeof other, "%s.tmp.%ld.notours", at("st.out"),
           (long)dead);
  put(stale, "half");
  put(live, "in progress");
  put(other, "x");
  CHECK_OK(write_str(at("st.out"), "new"));
  CHECK(has(at("st.out"), "new"));
  CHECK(access(stale, F_OK) != 0); /* removed */
  CHECK(has(live, "in progress"));  /* a live writer's: kept */
  CHECK(has(other, "x"));           /* not our pattern: kept */
  unlink(live);
  unlink(other);
}

int main(void) {
  snprintf(dir, sizeof dir, "/tmp/mtl_test_output_XXXXXX");
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  test_planted_and_links();
  test_modes();
  test_devices();
  test_abort_and_signal_cleanup();
  test_stale_temps();
  CHECK(count_temps() == 0);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0)
    fprintf(stderr, "could not remove %s\n", dir);
  CHECK_DONE();
}
