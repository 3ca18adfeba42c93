/* FRAMELOCK_API marks what libframelock.so exports; everything else in it is hidden. */
#ifndef FRAMELOCK_EXPORT_H
#define FRAMELOCK_EXPORT_H

#if defined(FRAMELOCK_BUILDING)
#define FRAMELOCK_API __attribute__((visibility("default")))
#else
#define FRAMELOCK_API
#endif

#endif /* FRAMELOCK_EXPORT_H */
