/*
 * Modbus peer server on libmodbus 3.1.6 serving the PowerWatch peer map (MAP.md).
 * Usage: lmb_server PORT              TCP: binds 127.0.0.1:PORT, serves any number of clients, prints READY.
 *        lmb_server rtu DEVICE [UNIT]  RTU, 115200 8N1, on a serial device (a pty), unit 1 by default; prints READY.
 * Build: gcc -O2 lmb_server.c -o lmb_server $(pkg-config --cflags --libs libmodbus)
 */
#include <errno.h>
#include <modbus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

static int serve_rtu(const char *device, int unit, modbus_mapping_t *map)
{
    modbus_t *ctx = modbus_new_rtu(device, 115200, 'N', 8, 1);
    if (ctx == NULL || modbus_set_slave(ctx, unit) < 0 || modbus_connect(ctx) < 0) {
        fprintf(stderr, "rtu open failed: %s\n", modbus_strerror(errno));
        return 1;
    }
    printf("READY\n");
    fflush(stdout);
    uint8_t query[MODBUS_RTU_MAX_ADU_LENGTH];
    for (;;) {
        int rc = modbus_receive(ctx, query);
        if (rc > 0) {
            modbus_reply(ctx, query, rc, map);
        } else if (rc == -1 && errno != EMBBADCRC && errno != ETIMEDOUT) {
            /* a frame for another unit gives rc 0; a bad CRC is dropped; anything else ends the server */
            fprintf(stderr, "receive failed: %s\n", modbus_strerror(errno));
            return 1;
        }
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: lmb_server PORT | lmb_server rtu DEVICE [UNIT]\n");
        return 2;
    }
    modbus_mapping_t *map = modbus_mapping_new(64, 64, 200, 100);
    if (map == NULL) {
        fprintf(stderr, "init failed: %s\n", modbus_strerror(errno));
        return 1;
    }
    for (int i = 0; i < 64; i++) {
        map->tab_bits[i] = (i % 3) == 0;
        map->tab_input_bits[i] = (i % 2) == 1;
    }
    for (int i = 0; i < 200; i++) {
        map->tab_registers[i] = (uint16_t)(1000 + i);
    }
    for (int i = 0; i < 100; i++) {
        map->tab_input_registers[i] = (uint16_t)(30000 + i);
    }
    if (!strcmp(argv[1], "rtu")) {
        return argc > 2 ? serve_rtu(argv[2], argc > 3 ? atoi(argv[3]) : 1, map) : 2;
    }

    modbus_t *ctx = modbus_new_tcp("127.0.0.1", atoi(argv[1]));
    if (ctx == NULL) {
        fprintf(stderr, "init failed: %s\n", modbus_strerror(errno));
        return 1;
    }

    int listener = modbus_tcp_listen(ctx, 16);
    if (listener < 0) {
        fprintf(stderr, "listen failed: %s\n", modbus_strerror(errno));
        return 1;
    }
    printf("READY\n");
    fflush(stdout);

    fd_set all;
    FD_ZERO(&all);
    FD_SET(listener, &all);
    int maxfd = listener;
    uint8_t query[MODBUS_TCP_MAX_ADU_LENGTH];
    for (;;) {
        fd_set ready = all;
        if (select(maxfd + 1, &ready, NULL, NULL, NULL) < 0) {
            if (errno == EINTR) {
                continue;
            }
            perror("select");
            return 1;
        }
        for (int fd = 0; fd <= maxfd; fd++) {
            if (!FD_ISSET(fd, &ready)) {
                continue;
            }
            if (fd == listener) {
                int client = modbus_tcp_accept(ctx, &listener);
                if (client >= 0) {
                    FD_SET(client, &all);
                    if (client > maxfd) {
                        maxfd = client;
                    }
                }
                continue;
            }
            modbus_set_socket(ctx, fd);
            int rc = modbus_receive(ctx, query);
            if (rc > 0) {
                modbus_reply(ctx, query, rc, map);
            } else if (rc == -1) {
                close(fd);
                FD_CLR(fd, &all);
            }
        }
    }
}
