{#- The status path of a zaak: its status codes in order of begindatum, joined by '>', and the latest status. -#}
with

statussen as (
    select * from {{ ref('stg_raw__zaakstatussen') }}
    where not is_verwijderd
        and begindatum <= {{ extractdatum() }}
),

gerangschikt as (
    select
        *,
        row_number() over (partition by zaak_id order by begindatum desc, zaakstatus_soort desc) as omgekeerd
    from statussen
),

paden as (
    select
        zaak_id,
        count(*) as statussen_aantal,
        {{ dbt.listagg('zaakstatus_soort', "'>'", 'order by begindatum, zaakstatus_soort') }} as status_pad
    from statussen
    group by zaak_id
)

select
    p.zaak_id,
    p.statussen_aantal,
    p.status_pad,
    g.zaakstatus_soort as huidige_status,
    g.begindatum as huidige_status_vanaf
from paden as p
inner join gerangschikt as g
    on g.zaak_id = p.zaak_id and g.omgekeerd = 1
