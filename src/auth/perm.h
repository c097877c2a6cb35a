/* perm.h — permissions as bits. Names match the permissions table (migration 0002);
 * roles map to permissions in role_permissions, loaded per request with the session. */
#ifndef AJ_PERM_H
#define AJ_PERM_H

#include <stdint.h>

#define AJ_PERM_MAP(X)                                                                                       \
    X(AJ_PERM_PLANT_READ, "plant.read")                                                                      \
    X(AJ_PERM_PLANT_WRITE, "plant.write")                                                                    \
    X(AJ_PERM_PEOPLE_READ, "people.read")                                                                    \
    X(AJ_PERM_PEOPLE_READ_OWN_ORG, "people.read_own_org")                                                    \
    X(AJ_PERM_PEOPLE_WRITE, "people.write")                                                                  \
    X(AJ_PERM_USERS_ADMIN, "users.admin")                                                                    \
    X(AJ_PERM_AUDIT_READ, "audit.read")                                                                      \
    X(AJ_PERM_METRICS_READ, "metrics.read")                                                                  \
    X(AJ_PERM_DATA_WRITE, "data.write")                                                                      \
    X(AJ_PERM_ALARMS_OPERATE, "alarms.operate")                                                              \
    X(AJ_PERM_ALARMS_CONFIGURE, "alarms.configure")                                                          \
    X(AJ_PERM_INCIDENTS_OPERATE, "incidents.operate")                                                        \
    X(AJ_PERM_INCIDENTS_REVIEW, "incidents.review")                                                          \
    X(AJ_PERM_PERMITS_READ, "permits.read")                                                                  \
    X(AJ_PERM_PERMITS_APPLY, "permits.apply")                                                                \
    X(AJ_PERM_PERMITS_APPROVE, "permits.approve")                                                            \
    X(AJ_PERM_PERMITS_OPERATE, "permits.operate")                                                            \
    X(AJ_PERM_PERMITS_CONFIGURE, "permits.configure")                                                        \
    X(AJ_PERM_HAZARDS_REPORT, "hazards.report")                                                              \
    X(AJ_PERM_HAZARDS_MANAGE, "hazards.manage")                                                              \
    X(AJ_PERM_HAZARDS_RECTIFY, "hazards.rectify")                                                            \
    X(AJ_PERM_RISKS_WRITE, "risks.write")                                                                    \
    X(AJ_PERM_INSPECTIONS_PLAN, "inspections.plan")                                                          \
    X(AJ_PERM_INSPECTIONS_PERFORM, "inspections.perform")

enum {
#define X(id, name) id##_BIT,
    AJ_PERM_MAP(X)
#undef X
        AJ_PERM_COUNT
};
#define X(id, name) static const uint32_t id = 1u << id##_BIT;
AJ_PERM_MAP(X)
#undef X

/* Bit for a permission name, 0 when unknown. */
uint32_t aj_perm_from_name(const char *name);
/* Name of the permission with bit index i (0..AJ_PERM_COUNT-1). */
const char *aj_perm_name(int i);

#endif
