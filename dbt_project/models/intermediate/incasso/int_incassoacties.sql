{#- Dunning steps (non-deleted) with their rank in the escalation ladder:
    HER 1, AAN 2, SOM 3, VRS 4, DEU 5, DAG 6, VON 7, ONA 8, ONT 9. -#}
select
    actie_id,
    overeenkomst_id,
    actiedatum,
    actie_soort,
    achterstand_bedrag,
    case actie_soort
        when 'HER' then 1 when 'AAN' then 2 when 'SOM' then 3 when 'VRS' then 4 when 'DEU' then 5
        when 'DAG' then 6 when 'VON' then 7 when 'ONA' then 8 when 'ONT' then 9
    end as stap_rang
from {{ ref('stg_raw__incassoacties') }}
where not is_verwijderd
    and actiedatum <= {{ extractdatum() }}
