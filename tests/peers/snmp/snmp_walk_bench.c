/*
 * A small SNMP manager on net-snmp's library (Debian libsnmp-dev), the reference side of the snmp-walk benchmark
 * (tests/PowerWatch.Benchmarks/Snmp). It polls a table as the PDU profile reads it: each column walked with
 * GETBULK (non-repeaters 0, max-repetitions M) from the column's root until the first OID outside the column,
 * one request in flight, back to back for SECONDS. Written for this repository against net-snmp's public API
 * (snmp_sess_open, snmp_sess_synch_response).
 *
 *   snmp_walk_bench HOST:PORT COMMUNITY SECONDS MAXREP COLUMN...
 *   prints {"polls":N,"seconds":S,"cpu":C,"values":V}   (V = variables in one poll)
 */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static double now(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: %s HOST:PORT COMMUNITY SECONDS MAXREP COLUMN...\n", argv[0]);
        return 2;
    }

    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
    init_snmp("powerwatch-bench");

    struct snmp_session settings;
    snmp_sess_init(&settings);
    settings.peername = argv[1];
    settings.version = SNMP_VERSION_2c;
    settings.community = (u_char *)argv[2];
    settings.community_len = strlen(argv[2]);
    settings.timeout = 2000000;
    settings.retries = 1;
    void *session = snmp_sess_open(&settings);
    if (session == NULL) {
        snmp_perror("snmp_sess_open");
        return 1;
    }

    double seconds = atof(argv[3]);
    long maxrep = atol(argv[4]);
    int columns = argc - 5;
    oid roots[32][MAX_OID_LEN];
    size_t rootLengths[32];
    if (columns > 32) {
        fprintf(stderr, "at most 32 columns\n");
        return 2;
    }

    for (int c = 0; c < columns; c++) {
        rootLengths[c] = MAX_OID_LEN;
        if (read_objid(argv[5 + c], roots[c], &rootLengths[c]) == 0) {
            fprintf(stderr, "bad OID %s\n", argv[5 + c]);
            return 2;
        }
    }

    long polls = 0, values = 0;
    double start = now(CLOCK_MONOTONIC), cpuStart = now(CLOCK_PROCESS_CPUTIME_ID);
    while (now(CLOCK_MONOTONIC) - start < seconds) {
        long inPoll = 0;
        for (int c = 0; c < columns; c++) {
            oid cursor[MAX_OID_LEN];
            size_t cursorLength = rootLengths[c];
            memcpy(cursor, roots[c], rootLengths[c] * sizeof(oid));
            int done = 0;
            while (!done) {
                netsnmp_pdu *request = snmp_pdu_create(SNMP_MSG_GETBULK);
                request->non_repeaters = 0;
                request->max_repetitions = maxrep;
                snmp_add_null_var(request, cursor, cursorLength);
                netsnmp_pdu *response = NULL;
                int status = snmp_sess_synch_response(session, request, &response);
                if (status != STAT_SUCCESS || response == NULL || response->errstat != SNMP_ERR_NOERROR) {
                    fprintf(stderr, "request failed: status %d\n", status);
                    return 1;
                }

                netsnmp_variable_list *v = response->variables;
                if (v == NULL) {
                    done = 1;
                }

                for (; v != NULL; v = v->next_variable) {
                    if (v->type == SNMP_ENDOFMIBVIEW || v->name_length <= rootLengths[c]
                        || snmp_oid_ncompare(roots[c], rootLengths[c], v->name, v->name_length, rootLengths[c]) != 0) {
                        done = 1;
                        break;
                    }

                    inPoll++;
                    memcpy(cursor, v->name, v->name_length * sizeof(oid));
                    cursorLength = v->name_length;
                }

                snmp_free_pdu(response);
            }
        }

        polls++;
        values = inPoll;
    }

    double elapsed = now(CLOCK_MONOTONIC) - start, cpu = now(CLOCK_PROCESS_CPUTIME_ID) - cpuStart;
    printf("{\"polls\":%ld,\"seconds\":%.6f,\"cpu\":%.6f,\"values\":%ld}\n", polls, elapsed, cpu, values);
    snmp_sess_close(session);
    return 0;
}
