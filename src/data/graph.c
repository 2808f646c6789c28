/*
 * graph.c -- communication topologies for decentralized online methods
 * (D-ADMM, D-PSGD in solvers/omtl): ring, fully connected, star, random
 * d-regular, or an edge list -- and the library's one edge-list reader,
 * which also serves the SRML sign graphs (mtl__graph_read).  Undirected,
 * no self loops or duplicate edges, connected unless built for a reader
 * that allows components; the neighbour lists are sorted so that every
 * traversal is deterministic, and the edges are kept in their input order.
 */
#include "data.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mtl_graph {
  int K;
  int E;
  int *edges; /* 2E: the edges as given (0-based, input order) */
  int *deg;   /* K */
  int **nb;   /* K sorted lists */
  int *dist;  /* K x K hop distances */
  int diam;
};

void mtl_graph_free(mtl_graph *g) {
  if (!g)
    return;
  if (g->nb)
    for (int k = 0; k < g->K; k++)
      free(g->nb[k]);
  free(g->nb);
  free(g->deg);
  free(g->dist);
  free(g->edges);
  free(g);
}

static int cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

/* Hop distances from every node by BFS (-1: unreachable) and the diameter
 * of the reachable pairs; MTL_EINVAL naming the first unreachable pair
 * when connected is required. */
static int distances(mtl_graph *g, int *queue, int connected) {
  int K = g->K;
  g->diam = 0;
  for (int s = 0; s < K; s++) {
    int *dd = g->dist + (size_t)s * K;
    for (int k = 0; k < K; k++)
      dd[k] = -1;
    int head = 0, tail = 0;
    dd[s] = 0;
    queue[tail++] = s;
    while (head < tail) {
      int a = queue[head++];
      for (int i = 0; i < g->deg[a]; i++) {
        int b = g->nb[a][i];
        if (dd[b] < 0) {
          dd[b] = dd[a] + 1;
          queue[tail++] = b;
        }
      }
    }
    for (int k = 0; k < K; k++) {
      if (dd[k] < 0 && connected)
        return mtl__err(MTL_EINVAL,
                        "graph: not connected (node %d cannot reach node %d)",
                        s + 1, k + 1);
      if (dd[k] > g->diam)
        g->diam = dd[k];
    }
  }
  return MTL_OK;
}

/* Builds the adjacency from an edge list, checks it, and computes all
 * distances by BFS.  Returns MTL_EINVAL naming the bad edge or (when
 * connected is required) the disconnected node. */
static int build(int K, const int *pairs, int nedges, int connected,
                 mtl_graph **out) {
  *out = NULL;
  if (K < 1)
    return mtl__err(MTL_EINVAL, "graph: K = %d must be >= 1", K);
  mtl_graph *g = mtl__calloc(1, sizeof *g);
  int *queue = NULL;
  int rc = MTL_OK;
  if (!g)
    return MTL_ENOMEM;
  g->K = K;
  g->deg = mtl__calloc((size_t)K, sizeof(int));
  g->nb = mtl__calloc((size_t)K, sizeof(int *));
  g->dist = mtl__malloc((size_t)K * (size_t)K * sizeof(int));
  g->edges = mtl__malloc((size_t)(nedges > 0 ? nedges : 1) * 2 * sizeof(int));
  queue = mtl__malloc((size_t)K * sizeof(int));
  if (!g->deg || !g->nb || !g->dist || !g->edges || !queue) {
    rc = MTL_ENOMEM;
    goto done;
  }
  for (int e = 0; e < nedges; e++) {
    int a = pairs[2 * e], b = pairs[2 * e + 1];
    if (a < 0 || a >= K || b < 0 || b >= K) {
      rc = mtl__err(MTL_EINVAL,
                    "graph: edge %d (%d, %d) names a node outside 1..%d",
                    e + 1, a + 1, b + 1, K);
      goto done;
    }
    if (a == b) {
      rc = mtl__err(MTL_EINVAL, "graph: edge %d is a self loop on node %d",
                    e + 1, a + 1);
      goto done;
    }
    g->deg[a]++;
    g->deg[b]++;
  }
  if (nedges > 0)
    memcpy(g->edges, pairs, (size_t)nedges * 2 * sizeof(int));
  g->E = nedges;
  for (int k = 0; k < K; k++) {
    g->nb[k] = mtl__malloc((size_t)(g->deg[k] > 0 ? g->deg[k] : 1) *
                           sizeof(int));
    if (!g->nb[k]) {
      rc = MTL_ENOMEM;
      goto done;
    }
    g->deg[k] = 0;
  }
  for (int e = 0; e < nedges; e++) {
    int a = pairs[2 * e], b = pairs[2 * e + 1];
    g->nb[a][g->deg[a]++] = b;
    g->nb[b][g->deg[b]++] = a;
  }
  for (int k = 0; k < K; k++) {
    qsort(g->nb[k], (size_t)g->deg[k], sizeof(int), cmp_int);
    for (int i = 1; i < g->deg[k]; i++)
      if (g->nb[k][i] == g->nb[k][i - 1]) {
        rc = mtl__err(MTL_EINVAL, "graph: duplicate edge (%d, %d)", k + 1,
                      g->nb[k][i] + 1);
        goto done;
      }
  }
  rc = distances(g, queue, connected);
done:
  free(queue);
  if (rc) {
    mtl_graph_free(g);
    return rc;
  }
  *out = g;
  return MTL_OK;
}

int mtl_graph_from_edges(int K, const int *pairs, int nedges,
                         mtl_graph **out) {
  if (!out)
    return mtl__err(MTL_EINVAL, "graph: out is NULL");
  *out = NULL;
  if (nedges < 0 || (nedges > 0 && !pairs))
    return mtl__err(MTL_EINVAL, "graph: bad edge list (%d edges)", nedges);
  return build(K, pairs, nedges, 1, out);
}

/* Random d-regular graph by the pairing (configuration) model, rejecting
 * self loops, multi-edges and disconnected draws. */
static int regular(int K, int degree, uint64_t seed, mtl_graph **out) {
  int m = K * degree / 2;
  int *pts = mtl__malloc((size_t)K * (size_t)degree * sizeof(int));
  int *pairs = mtl__malloc((size_t)m * 2 * sizeof(int));
  int rc = MTL_ENOMEM;
  if (!pts || !pairs)
    goto done;
  mtl__rng r;
  mtl__rng_seed(&r, seed);
  rc = MTL_EINVAL;
  for (int attempt = 0; attempt < 1000; attempt++) {
    for (int i = 0; i < K * degree; i++)
      pts[i] = i / degree;
    mtl__rng_shuffle_int(&r, pts, K * degree);
    int ok = 1;
    for (int e = 0; e < m && ok; e++) {
      int a = pts[2 * e], b = pts[2 * e + 1];
      if (a == b)
        ok = 0;
      for (int f = 0; f < e && ok; f++)
        if ((pairs[2 * f] == a && pairs[2 * f + 1] == b) ||
            (pairs[2 * f] == b && pairs[2 * f + 1] == a))
          ok = 0;
      pairs[2 * e] = a;
      pairs[2 * e + 1] = b;
    }
    if (!ok)
      continue;
    mtl_graph *g = NULL;
    if (build(K, pairs, m, 1, &g) == MTL_OK) {
      mtl_clear_error();
      *out = g;
      rc = MTL_OK;
      break;
    }
  }
  if (rc)
    rc = mtl__err(MTL_EINVAL,
                  "graph: no connected simple %d-regular graph on %d nodes "
                  "found in 1000 draws (seed %llu)",
                  degree, K, (unsigned long long)seed);
done:
  free(pts);
  free(pairs);
  return rc;
}

int mtl_graph_create(mtl_graph_kind kind, int K, int degree, uint64_t seed,
                     mtl_graph **out) {
  if (!out)
    return mtl__err(MTL_EINVAL, "graph: out is NULL");
  *out = NULL;
  if (K < 1)
    return mtl__err(MTL_EINVAL, "graph: K = %d must be >= 1", K);
  if (kind == MTL_GRAPH_REGULAR) {
    if (degree < 2 || degree >= K || (K * degree) % 2)
      return mtl__err(MTL_EINVAL,
                      "graph: degree %d invalid for a regular graph on %d "
                      "nodes (need 2 <= degree < K, K * degree even)",
                      degree, K);
    return regular(K, degree, seed, out);
  }
  if (kind == MTL_GRAPH_EDGES)
    return mtl__err(MTL_EINVAL, "graph: kind EDGES needs an edge list "
                                "(mtl_graph_from_edges / read_edges)");
  if (kind != MTL_GRAPH_RING && kind != MTL_GRAPH_FULL &&
      kind != MTL_GRAPH_STAR)
    return mtl__err(MTL_EINVAL, "graph: unknown kind %d", (int)kind);
  int64_t m = kind == MTL_GRAPH_FULL ? (int64_t)K * (K - 1) / 2
                                     : (kind == MTL_GRAPH_RING && K > 2 ? K
                                                                        : K - 1);
  int *pairs = mtl__malloc((size_t)(m > 0 ? m : 1) * 2 * sizeof(int));
  if (!pairs)
    return MTL_ENOMEM;
  int e = 0;
  if (kind == MTL_GRAPH_FULL) {
    for (int a = 0; a < K; a++)
      for (int b = a + 1; b < K; b++) {
        pairs[2 * e] = a;
        pairs[2 * e + 1] = b;
        e++;
      }
  } else if (kind == MTL_GRAPH_STAR) {
    for (int b = 1; b < K; b++) {
      pairs[2 * e] = 0;
      pairs[2 * e + 1] = b;
      e++;
    }
  } else {
    for (int a = 0; a + 1 < K; a++) {
      pairs[2 * e] = a;
      pairs[2 * e + 1] = a + 1;
      e++;
    }
    if (K > 2) {
      pairs[2 * e] = K - 1;
      pairs[2 * e + 1] = 0;
      e++;
    }
  }
  int rc = build(K, pairs, e, 1, out);
  free(pairs);
  return rc;
}

/* The edges read so far, with the line of each (for messages). */
typedef struct edge_list {
  int n, cap;
  int *pairs; /* 2n, 0-based */
  int *line;  /* n */
} edge_list;

static int edge_push(edge_list *l, int a, int b, int line) {
  if (l->n == l->cap) {
    int cap = l->cap ? 2 * l->cap : 64;
    int *p = realloc(l->pairs, (size_t)cap * 2 * sizeof(int));
    if (p)
      l->pairs = p;
    int *q = p ? realloc(l->line, (size_t)cap * sizeof(int)) : NULL;
    if (!q)
      return mtl__err(MTL_ENOMEM, "out of memory");
    l->line = q;
    l->cap = cap;
  }
  l->pairs[2 * l->n] = a;
  l->pairs[2 * l->n + 1] = b;
  l->line[l->n++] = line;
  return MTL_OK;
}

/* Parses one line: 0 for a blank or comment line, 1 with *a, *b (1-based,
 * in 1..K) for an edge, or MTL_EFORMAT naming path:line and the value. */
static int edge_parse(const char *path, int line, const char *what, int K,
                      const char *c, long *a, long *b) {
  while (*c == ' ' || *c == '\t')
    c++;
  if (*c == '#' || *c == '\n' || *c == '\r' || *c == 0)
    return 0;
  long v[2];
  for (int k = 0; k < 2; k++) {
    char *end;
    errno = 0;
    v[k] = strtol(c, &end, 10);
    int len = (int)strcspn(c, "\r\n");
    if (end == c || errno || (*end && !strchr(" \t\r\n#", *end)))
      return mtl__err(MTL_EFORMAT,
                      "%s:%d: expected two %s numbers in 1..%d, got \"%.*s\"",
                      path, line, what, K, len < 40 ? len : 40, c);
    if (v[k] < 1 || v[k] > K)
      return mtl__err(MTL_EFORMAT, "%s:%d: %s %ld out of range 1..%d", path,
                      line, what, v[k], K);
    c = end;
  }
  while (*c == ' ' || *c == '\t' || *c == '\r' || *c == '\n')
    c++;
  if (*c && *c != '#') {
    int len = (int)strcspn(c, "\r\n");
    return mtl__err(MTL_EFORMAT, "%s:%d: trailing text \"%.*s\"", path, line,
                    len < 40 ? len : 40, c);
  }
  if (v[0] == v[1])
    return mtl__err(MTL_EFORMAT, "%s:%d: self loop on %s %ld", path, line,
                    what, v[0]);
  *a = v[0];
  *b = v[1];
  return 1;
}

static int cmp_edge(const void *x, const void *y) {
  const int *a = x, *b = y;
  for (int k = 0; k < 3; k++)
    if (a[k] != b[k])
      return (a[k] > b[k]) - (a[k] < b[k]);
  return 0;
}

/* MTL_EFORMAT naming the later line of the first duplicate edge (in either
 * orientation), else MTL_OK. */
static int edge_duplicates(const char *path, const edge_list *l) {
  int *key = mtl__malloc((size_t)(l->n > 0 ? l->n : 1) * 3 * sizeof(int));
  if (!key)
    return MTL_ENOMEM;
  for (int e = 0; e < l->n; e++) {
    int a = l->pairs[2 * e], b = l->pairs[2 * e + 1];
    key[3 * e] = a < b ? a : b;
    key[3 * e + 1] = a < b ? b : a;
    key[3 * e + 2] = l->line[e];
  }
  qsort(key, (size_t)l->n, 3 * sizeof(int), cmp_edge);
  int rc = MTL_OK;
  for (int e = 1; e < l->n && !rc; e++)
    if (key[3 * e] == key[3 * e - 3] && key[3 * e + 1] == key[3 * e - 2])
      rc = mtl__err(MTL_EFORMAT,
                    "%s:%d: duplicate edge %d %d (already on line %d)", path,
                    key[3 * e + 2], key[3 * e] + 1, key[3 * e + 1] + 1,
                    key[3 * e - 1]);
  free(key);
  return rc;
}

int mtl__graph_read(const char *path, int K, const char *what, int connected,
                    mtl_graph **out) {
  *out = NULL;
  FILE *f = fopen(path, "r");
  if (!f)
    return mtl__err(MTL_EIO, "%s: cannot open: %s", path, strerror(errno));
  edge_list l = {0, 0, NULL, NULL};
  char *buf = NULL;
  size_t cap = 0;
  int rc = MTL_OK, line = 0;
  while (getline(&buf, &cap, f) >= 0) {
    long a = 0, b = 0;
    int r = edge_parse(path, ++line, what, K, buf, &a, &b);
    if (r == 1)
      r = edge_push(&l, (int)a - 1, (int)b - 1, line);
    if (r < 0) {
      rc = r;
      goto done;
    }
  }
  if (ferror(f))
    rc = mtl__err(MTL_EIO, "%s: read error", path);
  if (!rc)
    rc = edge_duplicates(path, &l);
  if (!rc && (rc = build(K, l.pairs, l.n, connected, out)))
    rc = mtl__err_prefix(rc, "%s", path);
done:
  fclose(f);
  free(buf);
  free(l.pairs);
  free(l.line);
  return rc;
}

int mtl__graph_edges(const mtl_graph *g, const int **pairs) {
  *pairs = g->edges;
  return g->E;
}

int mtl_graph_read_edges(const char *path, int K, mtl_graph **out) {
  if (!out || !path)
    return mtl__err(MTL_EINVAL, "graph: NULL argument");
  return mtl__graph_read(path, K, "node", 1, out);
}

int mtl_graph_nodes(const mtl_graph *g) { return g ? g->K : 0; }

int mtl_graph_neighbors(const mtl_graph *g, int k, const int **nb) {
  if (!g || k < 0 || k >= g->K)
    return mtl__err(MTL_EINVAL, "graph: node %d out of range", k);
  if (nb)
    *nb = g->nb[k];
  return g->deg[k];
}

int mtl_graph_distance(const mtl_graph *g, int a, int b) {
  if (!g || a < 0 || a >= g->K || b < 0 || b >= g->K)
    return mtl__err(MTL_EINVAL, "graph: node out of range");
  return g->dist[(size_t)a * g->K + b];
}

int mtl_graph_diameter(const mtl_graph *g) { return g ? g->diam : 0; }
