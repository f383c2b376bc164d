/*
 * Modbus TCP peer client on libmodbus 3.1.6.
 * Usage: lmb_client HOST PORT UNIT OP...            one JSON line per OP (syntax as pymodbus_client.py,
 *                                                   without id:), e.g. hr:0:10 wrs:110:1,2,3 rw:0:2:120:7,8
 *        lmb_client bench HOST PORT SECONDS [ADDR] [COUNT]
 *                                                   reads COUNT (default 125) holding registers at ADDR
 *                                                   (default 0) back to back for SECONDS; prints
 *                                                   {"requests":N,"seconds":S,"rps":R,"cpu":C,"first":V,"last":V}
 *                                                   (cpu = user + system CPU seconds of this process)
 * Build: gcc -O2 lmb_client.c -o lmb_client $(pkg-config --cflags --libs libmodbus)
 */
#include <errno.h>
#include <modbus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_list(const char *text, int *out, int max)
{
    int n = 0;
    const char *p = text;
    while (*p != '\0' && n < max) {
        char *end;
        out[n++] = (int)strtol(p, &end, 10);
        p = (*end == ',') ? end + 1 : end;
        if (end == p && *end != ',') {
            break;
        }
    }
    return n;
}

static void print_failure(const char *op)
{
    int e = errno;
    if (e > MODBUS_ENOBASE && e <= MODBUS_ENOBASE + 0x0B) {
        printf("{\"op\": \"%s\", \"exception\": %d}\n", op, e - MODBUS_ENOBASE);
    } else {
        printf("{\"op\": \"%s\", \"error\": \"%s\"}\n", op, modbus_strerror(e));
    }
}

static void print_values(const char *op, const int *values, int n)
{
    printf("{\"op\": \"%s\", \"values\": [", op);
    for (int i = 0; i < n; i++) {
        printf(i == 0 ? "%d" : ", %d", values[i]);
    }
    printf("]}\n");
}

static int run_op(modbus_t *ctx, const char *op)
{
    char kind[8] = {0};
    int a = 0, b = 0, c = 0, list[2048], out[2048], n, rc;
    uint8_t bits[2048];
    uint16_t regs[256], wregs[256];
    const char *args = strchr(op, ':');
    if (args == NULL || args - op >= (long)sizeof(kind)) {
        fprintf(stderr, "bad op %s\n", op);
        return -1;
    }
    memcpy(kind, op, (size_t)(args - op));
    args++;

    if (!strcmp(kind, "rc") || !strcmp(kind, "di")) {
        sscanf(args, "%d:%d", &a, &b);
        rc = !strcmp(kind, "rc") ? modbus_read_bits(ctx, a, b, bits) : modbus_read_input_bits(ctx, a, b, bits);
        if (rc < 0) {
            print_failure(op);
            return 0;
        }
        for (int i = 0; i < rc; i++) {
            out[i] = bits[i];
        }
        print_values(op, out, rc);
    } else if (!strcmp(kind, "hr") || !strcmp(kind, "ir")) {
        sscanf(args, "%d:%d", &a, &b);
        rc = !strcmp(kind, "hr") ? modbus_read_registers(ctx, a, b, regs) : modbus_read_input_registers(ctx, a, b, regs);
        if (rc < 0) {
            print_failure(op);
            return 0;
        }
        for (int i = 0; i < rc; i++) {
            out[i] = regs[i];
        }
        print_values(op, out, rc);
    } else if (!strcmp(kind, "wc") || !strcmp(kind, "wr")) {
        sscanf(args, "%d:%d", &a, &b);
        rc = !strcmp(kind, "wc") ? modbus_write_bit(ctx, a, b) : modbus_write_register(ctx, a, (uint16_t)b);
        if (rc < 0) {
            print_failure(op);
        } else {
            printf("{\"op\": \"%s\", \"ok\": true}\n", op);
        }
    } else if (!strcmp(kind, "wcs") || !strcmp(kind, "wrs")) {
        const char *colon = strchr(args, ':');
        a = atoi(args);
        n = colon ? parse_list(colon + 1, list, 2048) : 0;
        for (int i = 0; i < n; i++) {
            bits[i] = (uint8_t)list[i];
            wregs[i & 255] = (uint16_t)list[i];
        }
        rc = !strcmp(kind, "wcs") ? modbus_write_bits(ctx, a, n, bits) : modbus_write_registers(ctx, a, n, wregs);
        if (rc < 0) {
            print_failure(op);
        } else {
            printf("{\"op\": \"%s\", \"ok\": true}\n", op);
        }
    } else if (!strcmp(kind, "rw")) {
        const char *p = args;
        a = atoi(p);
        p = strchr(p, ':');
        b = p ? atoi(++p) : 0;
        p = p ? strchr(p, ':') : NULL;
        c = p ? atoi(++p) : 0;
        p = p ? strchr(p, ':') : NULL;
        n = p ? parse_list(p + 1, list, 256) : 0;
        for (int i = 0; i < n; i++) {
            wregs[i] = (uint16_t)list[i];
        }
        rc = modbus_write_and_read_registers(ctx, c, n, wregs, a, b, regs);
        if (rc < 0) {
            print_failure(op);
            return 0;
        }
        for (int i = 0; i < rc; i++) {
            out[i] = regs[i];
        }
        print_values(op, out, rc);
    } else {
        fprintf(stderr, "unsupported op %s\n", op);
        return -1;
    }
    return 0;
}

static modbus_t *connect_tcp(const char *host, int port, int unit)
{
    modbus_t *ctx = modbus_new_tcp(host, port);
    if (ctx == NULL) {
        return NULL;
    }
    modbus_set_slave(ctx, unit);
    modbus_set_response_timeout(ctx, 3, 0);
    if (modbus_connect(ctx) < 0) {
        fprintf(stderr, "connect failed: %s\n", modbus_strerror(errno));
        modbus_free(ctx);
        return NULL;
    }
    return ctx;
}

static int bench(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: lmb_client bench HOST PORT SECONDS [ADDR] [COUNT]\n");
        return 2;
    }
    double seconds = atof(argv[4]);
    int addr = argc > 5 ? atoi(argv[5]) : 0;
    int count = argc > 6 ? atoi(argv[6]) : 125;
    modbus_t *ctx = connect_tcp(argv[2], atoi(argv[3]), 1);
    if (ctx == NULL) {
        return 1;
    }
    uint16_t regs[125];
    long requests = 0;
    int first = -1;
    double start = now_seconds(), elapsed = 0;
    do {
        /* check the clock every 64 requests so timing costs nothing measurable */
        for (int i = 0; i < 64; i++) {
            if (modbus_read_registers(ctx, addr, count, regs) != count) {
                fprintf(stderr, "read failed: %s\n", modbus_strerror(errno));
                return 1;
            }
            if (first < 0) {
                first = regs[0];
            }
            requests++;
        }
        elapsed = now_seconds() - start;
    } while (elapsed < seconds);
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    double cpu = (double)usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + (double)usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
    printf("{\"requests\": %ld, \"seconds\": %.6f, \"rps\": %.1f, \"cpu\": %.6f, \"first\": %d, \"last\": %d}\n",
           requests, elapsed, requests / elapsed, cpu, first, regs[count - 1]);
    modbus_close(ctx);
    modbus_free(ctx);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "bench")) {
        return bench(argc, argv);
    }
    if (argc < 4) {
        fprintf(stderr, "usage: lmb_client HOST PORT UNIT OP... | lmb_client bench HOST PORT SECONDS [ADDR] [COUNT]\n");
        return 2;
    }
    modbus_t *ctx = connect_tcp(argv[1], atoi(argv[2]), atoi(argv[3]));
    if (ctx == NULL) {
        return 1;
    }
    int status = 0;
    for (int i = 4; i < argc; i++) {
        if (run_op(ctx, argv[i]) < 0) {
            status = 2;
        }
        fflush(stdout);
    }
    modbus_close(ctx);
    modbus_free(ctx);
    return status;
}
