-- 0002 seed data shared by every enterprise: roles, permissions, asset templates.
-- Same rows as sqlite/0002_seed_roles_templates.sql (the SQL is portable as is).

INSERT INTO roles (name, name_zh, description) VALUES
 ('admin', '系统管理员', 'manages users, settings and the whole plant model of the enterprise'),
 ('safety_manager', '安全管理部', 'safety department: plant model, risks, hazards, permits, rules'),
 ('operator', '中控室操作员', 'control-room operator: live data and alarms'),
 ('unit_leader', '基层单位/班组长', 'unit or crew leader: lower-grade permits, hazard assignment'),
 ('worker', '作业人员', 'worker: own permits, hazard reports'),
 ('attendant', '监护人', 'permit attendant: stays on site, may stop the job'),
 ('approver', '审批人', 'approves permits and signs decisions'),
 ('supplier', '承包商/供应商', 'contractor or supplier: sees only its own organisation'),
 ('regulator', '监管部门', 'regulator: reads the enterprises granted to it, writes nothing');

INSERT INTO permissions (name, description) VALUES
 ('plant.read', 'read sites, areas, assets, tags and organisations'),
 ('plant.write', 'create, change and delete sites, areas, assets, tags, organisations; import plant files'),
 ('people.read', 'read all people and certificates of the enterprise'),
 ('people.read_own_org', 'read people and certificates of the own organisation only'),
 ('people.write', 'create, change and delete people and certificates'),
 ('users.admin', 'manage user accounts and their roles'),
 ('audit.read', 'read the audit log'),
 ('metrics.read', 'read Prometheus metrics');

INSERT INTO role_permissions (role, permission) VALUES
 ('admin', 'plant.read'), ('admin', 'plant.write'), ('admin', 'people.read'),
 ('admin', 'people.write'), ('admin', 'users.admin'), ('admin', 'audit.read'),
 ('admin', 'metrics.read'),
 ('safety_manager', 'plant.read'), ('safety_manager', 'plant.write'),
 ('safety_manager', 'people.read'), ('safety_manager', 'people.write'),
 ('safety_manager', 'audit.read'),
 ('operator', 'plant.read'), ('operator', 'people.read'),
 ('unit_leader', 'plant.read'), ('unit_leader', 'people.read'),
 ('worker', 'plant.read'),
 ('attendant', 'plant.read'), ('attendant', 'people.read'),
 ('approver', 'plant.read'), ('approver', 'people.read'),
 ('supplier', 'people.read_own_org'),
 ('regulator', 'plant.read'), ('regulator', 'people.read'), ('regulator', 'audit.read');

INSERT INTO asset_templates (code, name, name_en, signal_roles_json) VALUES
 ('centrifugal_pump', '离心泵', 'centrifugal pump', '["seal_temp","vib_1x","vib_2x","vib_3x","ir_max","motor_current","discharge_pressure","suction_pressure","flow","bearing_temp"]'),
 ('compressor', '压缩机', 'compressor', '["suction_pressure","discharge_pressure","flow","vib_1x","vib_2x","bearing_temp","motor_current","surge_margin"]'),
 ('storage_tank', '储罐', 'storage tank', '["level","temperature","pressure","high_level_switch"]'),
 ('reactor', '反应釜', 'reactor', '["temperature","pressure","coolant_flow","coolant_temp","agitator_current","level"]'),
 ('heat_exchanger', '换热器', 'heat exchanger', '["inlet_temp_hot","outlet_temp_hot","inlet_temp_cold","outlet_temp_cold","pressure_drop","flow"]'),
 ('pipe_rack', '管廊', 'pipe rack', '["pressure","temperature","ir_max"]'),
 ('motor', '电机', 'electric motor', '["winding_temp","current","vib_1x","bearing_temp"]'),
 ('loading_arm', '装卸鹤管', 'loading arm', '["flow","pressure","position"]'),
 ('gas_detector_group', '可燃/有毒气体探测器组', 'gas detector group', '["gas"]'),
 ('valve', '阀门', 'valve', '["position","pressure"]');
