/* vibration_api.h — POST /api/v1/vibration-blocks: a raw vibration waveform block in, its
 * 1x/2x/3x running-speed amplitudes out as points of the asset's vib_1x/vib_2x/vib_3x tags
 * (src/api/vibration_api.c, docs/vibration.md). */
#ifndef AJ_VIBRATION_API_H
#define AJ_VIBRATION_API_H

#include "http/http.h"

aj_err aj_api_vibration_blocks(aj_req *req);

#endif
