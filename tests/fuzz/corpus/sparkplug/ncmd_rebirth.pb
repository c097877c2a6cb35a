€Ð•ÿ¼1
Node Control/Rebirth p