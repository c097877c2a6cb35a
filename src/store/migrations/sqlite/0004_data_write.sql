-- 0004 ingest permission: data.write lets a user (or a collector's token) write points
-- through POST /write and POST /api/v1/points. Role "collector" has only that, for the
-- accounts of Telegraf, the simulator and gateways.

INSERT INTO permissions (name, description) VALUES
 ('data.write', 'write measurement points (POST /write, POST /api/v1/points)');
INSERT INTO roles (name, name_zh, description) VALUES
 ('collector', '数据采集账号', 'machine account of a collector or gateway: writes points, reads nothing');
INSERT INTO role_permissions (role, permission) VALUES
 ('admin', 'data.write'), ('collector', 'data.write');
