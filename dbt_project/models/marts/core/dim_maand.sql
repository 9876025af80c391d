{#- One row per calendar month up to the extract month (monthly marts join on `maand`). The measuring
    date of a month is its last day, or the extract date for the running month (peildatum). -#}
with

maanden as (
    select distinct maand, maand_einde, jaar, maandnummer
    from {{ ref('dim_datum') }}
    where maand <= {{ maand_start(extractdatum()) }}
)

select
    maand,
    maand_einde,
    jaar,
    maandnummer,
    case when maand_einde <= {{ extractdatum() }} then maand_einde else {{ extractdatum() }} end as peildatum,
    (maand_einde <= {{ extractdatum() }}) as is_afgesloten,
    {{ dbt.datediff("maand", maand_start(extractdatum()), "month") }} as maanden_geleden
from maanden
