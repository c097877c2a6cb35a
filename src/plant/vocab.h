/* vocab.h — the plant model's vocabularies, one list each (NULL-terminated), shared by the
 * API's field rules (src/api/resources.c) and the plant-file validator (validate.c).
 * docs/plant-file.md documents them. */
#ifndef AJ_VOCAB_H
#define AJ_VOCAB_H

extern const char *const aj_vocab_org_kinds[];
extern const char *const aj_vocab_area_kinds[];
extern const char *const aj_vocab_tag_kinds[];
extern const char *const aj_vocab_cert_types[];
extern const char *const aj_vocab_templates[];
extern const char *const aj_vocab_person_roles[];

#endif
