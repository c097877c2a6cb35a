/* gas.c — what the gas detectors of the simulated plant read: Gaussian plumes of the
 * active leaks (flange_micro_leak, toxic_release) and oxygen lost to dilution or to inert
 * gas accumulating in an enclosed space (confined_space_inerting).
 *
 * Pure functions of the current state (wind, fault severities): nothing here draws random
 * numbers or keeps state, so the detectors never disturb the simulator's random stream.
 * The equations are written out in docs/simulator.md ("Gas detectors").
 */
#include "sim/sim_int.h"

#include <math.h>

#define PI 3.14159265358979323846

/* Ground-level concentration (kg/m³) of a ground-level point source q_kg_s at distance
 * (dx, dy) from it: Gaussian plume with Briggs open-country class D sigmas plus a 0.5 m
 * near-field spread and a 1 m virtual source; upwind it falls off within a few metres. */
static double plume_kg_m3(double q_kg_s, double dx, double dy, double wind_from, double u) {
    double to = (wind_from + 180.0) * PI / 180.0;
    double ux = sin(to), uy = cos(to);
    double down = dx * ux + dy * uy, cross = dx * uy - dy * ux;
    double se = fmax(down, 0.0) + 1.0;
    double sy = 0.08 * se / sqrt(1 + 0.0001 * se), sz = 0.06 * se / sqrt(1 + 0.0015 * se);
    sy = sqrt(sy * sy + 0.25);
    sz = sqrt(sz * sz + 0.25);
    double c = q_kg_s / (PI * sy * sz * fmax(u, 0.5)) * exp(-cross * cross / (2 * sy * sy));
    if (down < 0) c *= exp(-down * down / 8.0);
    return c;
}

static bool is_leak(const sim_fault *f) {
    return f->type == SIM_F_FLANGE_MICRO_LEAK || f->type == SIM_F_TOXIC_RELEASE;
}

double aj_sim_leak_volfrac(const aj_sim *s, double x, double y, int sub, bool any_substance) {
    double vf = 0, from = aj_sim_wind_from_deg(s);
    for (int i = 0; i < s->n_faults; i++) {
        const sim_fault *f = &s->faults[i];
        if (!is_leak(f) || f->severity <= 0) continue;
        int fs = f->substance >= 0 ? f->substance : sub;
        if (!any_substance && fs != sub) continue;
        double m = fs >= 0 ? aj_sim_substances[fs].molar_mass : 29.0;
        double q = f->magnitude * f->severity / 1000.0; /* g/s -> kg/s */
        vf += plume_kg_m3(q, x - f->lx, y - f->ly, from, s->wind_speed) / (m / 24.04);
    }
    return vf;
}

/* Factor on an oxygen detector's reading from the confined_space_inerting faults of its
 * area or detector group: Π (1 − 0.5 · magnitude · s); exactly 1 without one. */
static double inerting_factor(const aj_sim *s, const sim_tag *t) {
    double k = 1.0;
    for (int i = 0; i < s->n_faults; i++) {
        const sim_fault *f = &s->faults[i];
        if (f->type != SIM_F_CONFINED_SPACE_INERTING || f->severity <= 0) continue;
        bool is_target = f->area >= 0 ? t->area == f->area : t->asset == f->asset;
        if (is_target) k *= 1.0 - fmin(1.0, 0.5 * f->magnitude * f->severity);
    }
    return k;
}

double aj_sim_detector_value(const aj_sim *s, const sim_tag *t, double z) {
    switch (t->model) {
    case SIM_M_DET_LEL: {
        double v = 0.2 * z;
        if (t->substance >= 0 && aj_sim_substances[t->substance].lel_pct > 0) {
            double vf = aj_sim_leak_volfrac(s, t->x, t->y, t->substance, false);
            v += vf * 100.0 / aj_sim_substances[t->substance].lel_pct * 100.0;
        }
        return v;
    }
    case SIM_M_DET_PPM: {
        double v = 0.004 * (t->hi - t->lo) * z;
        if (t->substance >= 0) v += aj_sim_leak_volfrac(s, t->x, t->y, t->substance, false) * 1e6;
        return v;
    }
    default: /* oxygen: 20.9 % diluted by whatever accumulates, displaced by inert gas */
        return 20.9 * (1.0 - fmin(1.0, aj_sim_leak_volfrac(s, t->x, t->y, -1, true))) *
                   inerting_factor(s, t) +
               0.03 * z;
    }
}
