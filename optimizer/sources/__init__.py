"""Where instances come from besides hand-written files: the cluster generator (``generate``) and the
SNDlib network-design importer (``sndlib``)."""
