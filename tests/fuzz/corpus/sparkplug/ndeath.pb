€Ð•ÿ¼1
bdSeq X