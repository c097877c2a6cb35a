/* reason_terms.h — `anjian reason replay --term-stats`: the range each piece of evidence's
 * term takes over a replay (minimum, maximum, ticks judged), per mode and asset/zone. Run
 * over normal days it gives the normal scatter a rule's threshold must clear
 * (docs/failure-modes.md "Reproducing"). */
#ifndef AJ_CLI_REASON_TERMS_H
#define AJ_CLI_REASON_TERMS_H

#include "reason/reasoner.h"

#include <stdbool.h>
#include <stdio.h>

typedef struct reason_terms reason_terms;

/* Statistics for every instance bound in r now. NULL on no memory. */
reason_terms *reason_terms_new(aj_reasoner *r);
void reason_terms_free(reason_terms *ts);

/* The tick observer (aj_reasoner_observe_ticks) with ts as its context. */
void reason_terms_observe(void *ts, int index, const aj_rbound *b, int64_t t_ns);

/* Writes {"MODE@SCOPE": {"EVIDENCE": {"n", "min", "min_at", "max", "max_at"}}} (evidence over signals only,
 * ticks while the asset runs). false when writing failed. */
bool reason_terms_write(const reason_terms *ts, aj_reasoner *r, FILE *f);

#endif
