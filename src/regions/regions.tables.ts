export interface BorderFlowsTable {
  day: string;
  flow: string;
  target: string;
  count: number;
}

export interface RegionsCellTables {
  border_flows: BorderFlowsTable;
}
